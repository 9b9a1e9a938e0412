/**
 * The serve-mode token stays on the workbench's origin. Cookies are scoped by host, not port, so
 * a token kept in a cookie would be sent to every other server on 127.0.0.1 (a notebook, a dev
 * server). The workbench is opened from its printed URL, used, then the same browser visits a
 * page of another HTTP server on the same host name and a different port, which loads a
 * subresource and fetches with credentials: that server must never see the token in any header,
 * cookie or URL. Going back to the workbench must still work (the tab keeps the token in its
 * per-origin sessionStorage).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { api } from './support/workbench';

const URL_WITH_TOKEN = process.env.PRINTSHOT_URL;

interface Seen {
  method: string;
  url: string;
  headers: string[];
}

async function spyServer(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders });
    if (req.url === '/') {
      res.setHeader('content-type', 'text/html');
      // A subresource and a credentialed fetch: both would carry any cookie scoped to this host.
      res.end(`<!doctype html><title>other server</title><img src="/pixel.png">
        <script>fetch('/api/probe', {credentials: 'include'}).then(() => { document.title = 'probed'; });</script>`);
    } else res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

test('no view breaks the CSP (no unsafe-inline: styles come from the stylesheet and the CSSOM)', async ({ page }) => {
  const violations: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`);
    });
  });
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && !/unsafe-eval/.test(m.text()) && violations.push(m.text()));
  const response = await page.goto(URL_WITH_TOKEN!);
  expect(await response!.headerValue('content-security-policy')).not.toContain('unsafe-inline');
  await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
  const views = await page.locator('nav a[data-view]').evaluateAll((links) => links.map((a) => a.getAttribute('data-view')!));
  expect(views.length).toBeGreaterThan(3);
  for (const view of views) {
    await page.locator(`nav a[data-view="${view}"]`).click();
    await expect(page.locator(`[data-testid="${view}-view"]`)).toBeVisible();
  }
  violations.push(...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? [])));
  // zod probes `new Function('')` once (allowsEval, caught) and is refused, as it should be;
  // inline styles or scripts, the subject here, must not be refused anywhere.
  expect(violations.filter((v) => /style-src|inline/.test(v))).toEqual([]);
  expect(violations.filter((v) => !/^script-src eval /.test(v) && !/style-src|inline/.test(v))).toEqual([]);
});

test('the token never reaches another server on the same host name', async ({ page, context }) => {
  expect(URL_WITH_TOKEN, 'webServer did not report the workbench URL').toBeTruthy();
  const workbench = new URL(URL_WITH_TOKEN!);
  const token = /token=([A-Za-z0-9_-]+)/.exec(URL_WITH_TOKEN!)![1];
  expect(workbench.hash, 'the printed URL carries the token in its fragment').toBe(`#token=${token}`);

  await page.goto(URL_WITH_TOKEN!);
  await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
  expect(page.url()).not.toContain(token);
  // The workbench works: the page's API calls carry the token (as a header).
  expect(await api<{ mode: string }>(page, 'app:info')).toMatchObject({ mode: 'serve' });
  const cookies = await context.cookies();
  expect(JSON.stringify(cookies)).not.toContain(token);

  // A control: a cookie the workbench's host holds does reach the other server, so a token
  // kept in a cookie would have been caught below.
  await context.addCookies([{ name: 'control', value: 'host-scoped', domain: workbench.hostname, path: '/' }]);
  const spy = await spyServer();
  try {
    expect(spy.port).not.toBe(Number(workbench.port));
    await page.goto(`http://${workbench.hostname}:${spy.port}/`);
    await expect(page).toHaveTitle('probed');
    expect(spy.seen.map((s) => s.url)).toEqual(expect.arrayContaining(['/', '/api/probe', '/pixel.png']));
    expect(spy.seen.find((s) => s.url === '/api/probe')!.headers.join('\n')).toContain('control=host-scoped');
    for (const s of spy.seen) {
      expect(s.url, `${s.method} ${s.url}`).not.toContain(token);
      expect(s.headers.join('\n'), `${s.method} ${s.url} headers`).not.toContain(token);
    }
    expect(spy.seen.flatMap((s) => s.headers).some((h) => /printshot/i.test(h))).toBe(false);

    // Back on the workbench without the fragment: the tab's sessionStorage still holds the token.
    await page.goBack();
    await expect(page.getByRole('heading', { name: 'Printshot' })).toBeVisible();
    expect(await api<{ mode: string }>(page, 'app:info')).toMatchObject({ mode: 'serve' });
  } finally {
    await new Promise((resolve) => spy.server.close(resolve));
  }
});
