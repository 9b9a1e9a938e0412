/**
 * The serve-mode token in the page. `printshot serve` prints http://127.0.0.1:PORT/#token=…; the
 * fragment never travels to any server, so the token stays out of cookies (which the browser
 * would send to every server on 127.0.0.1, whatever its port) and out of request URLs. It is
 * kept in sessionStorage, which is per origin (port included) and per tab, so a reload keeps
 * working, and removed from the address bar and history before the router reads the hash.
 */
export const TOKEN_KEY = 'printshot-token';

interface PageLike {
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  sessionStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void };
}

/** The token from #token=… (then stripped) or from this tab's sessionStorage; undefined if neither. */
export function takePageToken(page: PageLike | undefined = globalThis as unknown as PageLike): string | undefined {
  if (!page?.location) return undefined;
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(page.location.hash);
  if (match) {
    page.history.replaceState(null, '', `${page.location.pathname}${page.location.search}`);
    try {
      page.sessionStorage?.setItem(TOKEN_KEY, match[1]);
    } catch {
      // Storage disabled: the token still works for this page's lifetime.
    }
    return match[1];
  }
  try {
    return page.sessionStorage?.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
