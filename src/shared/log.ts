/**
 * Minimal leveled logger writing to stderr, so stdout stays clean for `--json` output.
 * PRINTSHOT_LOG=debug|info|warn|silent controls it.
 */
import { envVar, writeDiagnostic } from './env';

type Level = 'debug' | 'info' | 'warn' | 'silent';
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, silent: 3 };

function threshold(): number {
  const env = (envVar('PRINTSHOT_LOG') ?? 'warn') as Level;
  return order[env] ?? order.warn;
}

export const log = {
  debug: (msg: string): void => {
    if (threshold() <= 0) writeDiagnostic(`[printshot] ${msg}`);
  },
  info: (msg: string): void => {
    if (threshold() <= 1) writeDiagnostic(`[printshot] ${msg}`);
  },
  warn: (msg: string): void => {
    if (threshold() <= 2) writeDiagnostic(`[printshot] warning: ${msg}`);
  },
};
