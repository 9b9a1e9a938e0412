/**
 * The Node host for the pure core (src/shared/platform.ts): sharp's JPEG codec and fs for files
 * the user names. Every Node entry point calls installNodeHost() once, first thing: the CLI,
 * the engine (child process and Electron utility process), parallel workers, the test setup.
 * It lives here, the highest pure module whose Node side it composes; it loads nothing heavy.
 */
import { installHost, type Host } from '../../shared/platform';
import { sharpJpegCodec } from './jpeg';

export const nodeHost: Host = {
  jpeg: sharpJpegCodec,
  async readText(path: string): Promise<string> {
    const { readFile } = await import('node:fs/promises');
    return readFile(path, 'utf8');
  },
};

export function installNodeHost(): void {
  installHost(nodeHost);
}
