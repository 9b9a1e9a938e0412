/**
 * Keyboard shortcuts of the workbench: `g` then 1–9 for the steps, Ctrl/⌘+Enter for the current
 * view's primary action, Ctrl/⌘+. to cancel the running job, Ctrl/⌘+Shift+E to export the
 * report, `?` for the help overlay.
 *
 * The actions press the buttons the views already render (the view's blue primary button, the
 * job-progress Cancel button, data-testid="report-export"), so a shortcut runs exactly the code
 * a click runs and the views need no wiring. Plain keys are ignored while the user types in a
 * field; the modifier chords are not (they type nothing, and Ctrl+Enter from a field is the
 * common "submit"). Step chords are two keys (g, digit) because Alt+digit switches tabs in
 * Chromium on Linux and Ctrl+digit does elsewhere. In Electron the application menu owns the
 * modifier chords (accelerators send menu:command), so the page leaves them to it.
 */
import { nextTick } from 'vue';
import { VIEWS, type ViewId } from './route';

export type ShortcutAction = { kind: 'go'; view: ViewId } | { kind: 'start' } | { kind: 'cancel' } | { kind: 'export' } | { kind: 'help' } | { kind: 'leave' };

/** What the help overlay lists (keys as shown, what they do). */
export const SHORTCUTS: readonly { keys: string; does: string }[] = [
  ...VIEWS.map((v, i) => ({ keys: `g then ${i + 1}`, does: `Go to step ${i + 1}, ${v.title}` })),
  { keys: 'Ctrl+Enter (⌘↩ on macOS)', does: "Start: the current step's main (blue) button" },
  { keys: 'Ctrl+. (⌘. on macOS)', does: 'Cancel the running job shown on this step' },
  { keys: 'Ctrl+Shift+E (⌘⇧E on macOS)', does: 'Export the report (opens the Report step)' },
  { keys: 'Esc (in a field)', does: 'Leave the field, so the single-key shortcuts work again' },
  { keys: '?', does: 'Show this list' },
  { keys: 'Esc', does: 'Close this list' },
];

/** How long `g` waits for its digit. */
const SEQUENCE_MS = 1500;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'color', 'file', 'image'].includes(target.type);
}

export interface KeyMapOptions {
  /** Electron: the menu's accelerators handle the modifier chords. */
  menuOwnsChords: () => boolean;
  now?: () => number;
}

/** A keydown → action mapper; it keeps the pending `g` between calls. */
export function createKeyMap(opts: KeyMapOptions): (e: KeyboardEvent) => ShortcutAction | null {
  const now = opts.now ?? (() => performance.now());
  let gAt = -Infinity;
  return (e) => {
    if (e.isComposing || e.repeat) return null;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey) {
      if (opts.menuOwnsChords()) return null;
      if (e.key === 'Enter' && !e.shiftKey) return { kind: 'start' };
      if (e.key === '.' && !e.shiftKey) return { kind: 'cancel' };
      if (e.shiftKey && e.key.toLowerCase() === 'e') return { kind: 'export' };
      return null;
    }
    if (mod || e.altKey) return null;
    if (isTyping(e.target)) return e.key === 'Escape' && !(e.target as HTMLElement).closest('dialog') ? { kind: 'leave' } : null;
    const pending = now() - gAt <= SEQUENCE_MS;
    gAt = -Infinity;
    if (pending && /^[1-9]$/.test(e.key) && Number(e.key) <= VIEWS.length) return { kind: 'go', view: VIEWS[Number(e.key) - 1]!.id };
    if (e.key === 'g' && !e.shiftKey) gAt = now();
    if (e.key === '?') return { kind: 'help' };
    return null;
  };
}

function visible(el: Element): el is HTMLElement {
  // [inert]: nothing to press while the engine is down (App.vue makes the step's content inert).
  if (!(el instanceof HTMLElement) || el.closest('[hidden], [inert], dialog:not([open])')) return false;
  // Chromium knows about display:none ancestors and the like; jsdom (no layout) has no checkVisibility.
  return typeof el.checkVisibility === 'function' ? el.checkVisibility() : true;
}

function pressable(el: Element | undefined): el is HTMLButtonElement {
  return el instanceof HTMLButtonElement && !el.disabled && visible(el);
}

/** The first enabled, visible element among `selector` in `root`. */
export function findButton(root: ParentNode, selector: string): HTMLButtonElement | undefined {
  return [...root.querySelectorAll(selector)].find(pressable);
}

export const START_SELECTOR = 'main button.primary';
export const CANCEL_SELECTOR = 'main [data-testid="job-progress"][data-state="running"] button';
export const EXPORT_SELECTOR = '[data-testid="report-export"]';

export interface PerformDeps {
  go: (view: ViewId) => void;
  current: () => ViewId;
  openHelp: () => void;
  /** One line for the live region: what the shortcut did, or why it did nothing. */
  say: (text: string) => void;
  root?: ParentNode;
}

/** Runs an action by pressing the button a user would press. */
export async function perform(action: ShortcutAction, deps: PerformDeps): Promise<void> {
  const root = deps.root ?? document;
  if (action.kind === 'go') {
    deps.go(action.view);
    await nextTick();
    (root.querySelector('#main') as HTMLElement | null)?.focus({ preventScroll: true });
    deps.say(`${VIEWS.find((v) => v.id === action.view)!.title} step`);
  } else if (action.kind === 'help') deps.openHelp();
  else if (action.kind === 'leave') (document.activeElement as HTMLElement | null)?.blur();
  else if (action.kind === 'start') {
    const button = findButton(root, START_SELECTOR);
    if (!button) return deps.say('Nothing to start on this step right now.');
    button.click();
    deps.say(`Started: ${button.textContent?.trim()}`);
  } else if (action.kind === 'cancel') {
    const button = findButton(root, CANCEL_SELECTOR);
    if (!button) return deps.say('No running job on this step to cancel.');
    button.click();
    deps.say('Cancelling the job.');
  } else {
    if (deps.current() !== 'report') {
      deps.go('report');
      await nextTick();
    }
    const button = findButton(root, EXPORT_SELECTOR);
    if (!button) return deps.say('The report cannot be exported yet: open an experiment first.');
    button.click();
    deps.say('Exporting the report.');
  }
}
