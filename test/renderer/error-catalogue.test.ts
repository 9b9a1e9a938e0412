// @vitest-environment jsdom
/**
 * The UI's error catalogue (issue 22, acceptance line 5): every error code the engine can send
 * and every reason a photo can be rejected for renders through ErrorNote with a title, a Fix
 * line and no internal code, even when the engine's message still carries the code as a prefix.
 */
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/contract';
import { REJECT_REASONS } from '../../src/registration/register';
import ErrorNote from '../../renderer/src/components/ErrorNote.vue';
import { CATALOGUE_CODES, humanizeText } from '../../renderer/src/lib/error-catalogue';
import { presentError } from '../../renderer/src/lib/errors';
import { useEngineStore } from '../../renderer/src/stores/engine';

const ERROR_CODE_LIST = Object.values(ERROR_CODES);
const REJECTIONS = Object.keys(REJECT_REASONS);
const ALL_CODES = [...ERROR_CODE_LIST, ...REJECTIONS];

/** An internal code as it would leak: a hyphenated code anywhere, or any code used as a prefix/label. */
function leaks(text: string): string[] {
  return ALL_CODES.filter((c) => (c.includes('-') ? text.includes(c) : new RegExp(`(^|\\s|\\()${c}:`).test(text) || text.trim() === c));
}

function render(error: Parameters<typeof presentError>[0]) {
  const pinia = createPinia();
  setActivePinia(pinia);
  return mount(ErrorNote, { props: { error }, global: { plugins: [pinia] } });
}

describe('the error catalogue', () => {
  it('covers every ERROR_CODES entry and every registration rejection reason', () => {
    expect([...CATALOGUE_CODES].sort()).toEqual([...ALL_CODES].sort());
  });

  // Messages as they reach the UI: bare, prefixed with the code (the photo log), or naming a file.
  describe.each(ALL_CODES)('%s', (code) => {
    it.each([
      ['the code alone', { code, message: code }],
      ['a code-prefixed message', { code, message: `${code}: 3 of 4 markers (missing: bottom-left)` }],
      ['a message naming a file, no code field', { message: `${code}: /data/photos/IMG_0001.jpg: cannot be decoded` }],
    ])('%s shows a title, a Fix line and no internal code', (_what, error) => {
      const w = render(error);
      const note = w.get('[data-testid="error-note"]');
      const text = note.text();
      const fix = note.get('.hint').text();
      expect(fix).toMatch(/^Fix: \S.{5,}/);
      expect(note.get('.title strong').text().length).toBeGreaterThan(5);
      expect(leaks(text)).toEqual([]);
    });
  });

  it("keeps the engine's own hint and detail, and shows the file it names on its own line", () => {
    const w = render({ code: 'bad-dataset', message: '/data/imgs: folder not found', hint: 'check the path' });
    expect(w.get('.title').text()).toBe('The image folder cannot be used: folder not found');
    expect(w.get('.file').text()).toBe('File: /data/imgs');
    expect(w.get('.hint').text()).toBe('Fix: check the path');
  });

  it('a line-numbered file keeps its line; an unknown code falls back to a generic title with a fix', () => {
    const p = presentError({ code: 'bad-dataset', message: '/d/labels.csv:3: expected 2 fields (file,label), found 3' });
    expect(p).toMatchObject({ file: '/d/labels.csv:3', detail: 'expected 2 fields (file,label), found 3' });
    expect(presentError({ code: 'bad-image', message: '/d/Ankle boot/1.png: not a PNG' })).toMatchObject({ file: '/d/Ankle boot/1.png', detail: 'not a PNG' });
    // A sentence that starts with a path keeps it in the detail.
    const sentence = presentError({ code: 'forbidden', message: '/etc is outside the folders this workbench may open: /work' });
    expect(sentence).toMatchObject({ detail: '/etc is outside the folders this workbench may open: /work' });
    expect(sentence.file).toBeUndefined();
    const unknown = presentError({ message: 'Failed to fetch' });
    expect(unknown.title).toBe('Something went wrong inside Printshot');
    expect(unknown.fix.length).toBeGreaterThan(5);
  });

  it('humanizeText turns a leading code into its title and leaves other text alone', () => {
    expect(humanizeText('missing-marker: 3 of 4 markers')).toBe('Not all four corner markers were found: 3 of 4 markers');
    expect(humanizeText('unreadable-file')).toBe('The photo cannot be read');
    expect(humanizeText('cancelled by the user')).toBe('cancelled by the user');
    expect(humanizeText('not-a-code: x')).toBe('not-a-code: x');
  });

  it('hides an engine-down error while the banner reports the crash, and after the restart that ended it', () => {
    const w = render({ code: 'engine-down', message: 'the engine stopped (exit code 134)' });
    expect(w.find('[data-testid="error-note"]').exists()).toBe(true);
    const engine = useEngineStore();
    engine.markDown({ reason: 'exit code 134', interrupted: ['j1'], restartable: true });
    return w.vm.$nextTick().then(async () => {
      expect(w.find('[data-testid="error-note"]').exists()).toBe(false);
      engine.markUp();
      await w.vm.$nextTick();
      expect(w.find('[data-testid="error-note"]').exists()).toBe(false);
      // A new engine-down error after the restart is news: it shows.
      await w.setProps({ error: { code: 'engine-down', message: 'the engine is not running' } });
      expect(w.find('[data-testid="error-note"]').exists()).toBe(true);
    });
  });
});
