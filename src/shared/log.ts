/**
 * Minimal leveled logger writing to stderr, so stdout stays clean for `--json` output.
 * PRINTSHOT_LOG=debug|info|warn|silent controls it.
 */
type Level = 'debug' | 'info' | 'warn' | 'silent';
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, silent: 3 };

function threshold(): number {
  const env = (process.env.PRINTSHOT_LOG ?? 'warn') as Level;
  return order[env] ?? order.warn;
}

export const log = {
  debug: (msg: string): void => {
    if (threshold() <= 0) process.stderr.write(`[printshot] ${msg}\n`);
  },
  info: (msg: string): void => {
    if (threshold() <= 1) process.stderr.write(`[printshot] ${msg}\n`);
  },
  warn: (msg: string): void => {
    if (threshold() <= 2) process.stderr.write(`[printshot] warning: ${msg}\n`);
  },
};
