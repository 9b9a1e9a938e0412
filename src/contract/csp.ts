/**
 * The Content-Security-Policy of the workbench page, one definition for Electron (response
 * header and meta tag) and serve mode (response header). No remote content: everything is
 * 'self'. 'wasm-unsafe-eval' lets the page compile zxing-wasm for the live marker overlay;
 * blob:/data: images are thumbnails made from PNG bytes; mediastream: is the webcam preview.
 * No 'unsafe-inline' anywhere: Vue's :style bindings and Chart.js set styles through the CSSOM
 * (element.style), which CSP does not restrict; the build has no inline <style> or <script>.
 */
export interface CspOptions {
  /** Extra origins for the Vite dev server (HMR websocket), only in development. */
  devServer?: string;
  /** For a <meta> tag: frame-ancestors is ignored there (and logged), so it is left out. */
  forMeta?: boolean;
}

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const dev = opts.devServer ? ` ${opts.devServer} ${opts.devServer.replace(/^http/, 'ws')}` : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${dev}`,
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src 'self'${dev}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-src 'none'",
    ...(opts.forMeta ? [] : ["frame-ancestors 'none'"]),
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
