/**
 * Serve mode's tabs: each workbench tab sends a random id of its own as the x-printshot-tab
 * header (renderer/src/bridge/http.ts) and gets routes with its own open experiment, so tab A's
 * attack never lands in the experiment tab B opened last (issue 14). The id is a key, not a
 * credential (the token still guards every request) and never a path: the folder it maps to is
 * only ever one this tab created or opened through experiment:new / experiment:open, which vet
 * it like every other path (docs/security.md). A request without the header gets the routes of
 * the engine's one open experiment, as before (scripts, older pages).
 */
import type { IncomingMessage } from 'node:http';
import type { ExperimentSession } from '../engine/routes';
import type { Routes } from '../contract';

export const TAB_HEADER = 'x-printshot-tab';
const TAB_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** Tabs remembered; the least recently used beyond this forgets its experiment (it reopens it). */
export const MAX_TABS = 256;

/** The request's tab id; undefined without the header; 'bad' when it is malformed. */
export function tabOf(req: IncomingMessage): string | undefined | 'bad' {
  const v = req.headers[TAB_HEADER];
  if (v === undefined) return undefined;
  return typeof v === 'string' && TAB_ID.test(v) ? v : 'bad';
}

export class TabSessions {
  private readonly tabs = new Map<string, { session: ExperimentSession; routes: Routes }>();

  constructor(
    private readonly make: (session: ExperimentSession) => Routes,
    private readonly max = MAX_TABS,
  ) {}

  routesFor(tab: string): Routes {
    let entry = this.tabs.get(tab);
    if (entry) this.tabs.delete(tab);
    else {
      const session: ExperimentSession = {};
      entry = { session, routes: this.make(session) };
    }
    this.tabs.set(tab, entry); // most recently used last
    while (this.tabs.size > this.max) this.tabs.delete(this.tabs.keys().next().value!);
    return entry.routes;
  }

  /** The tab's open experiment (tests, diagnostics). */
  experimentOf(tab: string): string | undefined {
    return this.tabs.get(tab)?.session.experimentDir;
  }
}
