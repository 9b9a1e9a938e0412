/**
 * The few things the pure core needs from its host and cannot do portably: a JPEG codec (the
 * 'jpeg' transform, the camera simulator) and reading a text file the user named (an EOT
 * distribution file). Each entry point installs them once, explicitly (Node: installNodeHost()
 * in src/transforms/node/host.ts); a missing install is a clear error, never a silent fallback.
 * Dependency-free on purpose: the CLI installs the host before it loads tfjs or zod.
 */
import { PrintshotError } from './errors';
import type { Image8 } from './image';

/** A baseline JPEG codec: IJG quality 1..100, 4:2:0 chroma for RGB, the standard Annex K tables. */
export interface JpegCodec {
  /** An 8-bit 1- or 3-channel image to JPEG bytes (1-channel images as 1-channel JPEG). */
  encode(image: Image8, quality: number): Promise<Uint8Array>;
  /** JPEG bytes back to an 8-bit image with `channels` channels. */
  decode(bytes: Uint8Array, channels: 1 | 3): Promise<Image8>;
}

export interface Host {
  jpeg: JpegCodec;
  /** UTF-8 text of a file; rejects with the host's error (Node: an ErrnoException with .code). */
  readText(path: string): Promise<string>;
}

let installed: Host | undefined;

/** Installs (or replaces) the host services; the last call wins. */
export function installHost(h: Host): void {
  installed = h;
}

/** The installed host services, or a one-line error naming the fix. */
export function host(): Host {
  if (!installed) {
    throw new PrintshotError('bad-argument', 'no host services installed (JPEG codec, file reading)', 'call installNodeHost() from src/transforms/node/host at the entry point');
  }
  return installed;
}
