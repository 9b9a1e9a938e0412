/**
 * Terminal output helpers: progress on stderr (so `--json` stdout stays parseable), aligned
 * tables, and percentage formatting.
 *
 * Progress is a bar on a TTY. Elsewhere (CI logs, `2> file`, a pipe) a bar's carriage returns
 * are noise and silence looks like a hang, so it is plain lines: one per whole-percent change,
 * and a heartbeat when nothing was printed for 10 s (a C&W step on a large model can take that
 * long). PRINTSHOT_PROGRESS=bar|lines|off overrides the choice; PRINTSHOT_LOG=silent means off.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

export type ProgressMode = 'bar' | 'lines' | 'off';

export interface ProgressOptions {
  mode?: ProgressMode;
  /** Where lines go (default: stderr). */
  write?: (line: string) => void;
  /** Milliseconds clock (default Date.now). */
  now?: () => number;
  /** Longest silence in lines mode before a heartbeat line (default 10 s). */
  heartbeatMs?: number;
}

export const HEARTBEAT_MS = 10_000;

export function defaultProgressMode(): ProgressMode {
  const forced = process.env.PRINTSHOT_PROGRESS;
  if (forced === 'bar' || forced === 'lines' || forced === 'off') return forced;
  if (process.env.PRINTSHOT_LOG === 'silent') return 'off';
  return process.stderr.isTTY ? 'bar' : 'lines';
}

/**
 * A progress reporter. `options` true/false is the old "is it a TTY" flag: a bar, or lines.
 */
export function createProgress(title: string, options: boolean | ProgressOptions = {}): Progress {
  const o: ProgressOptions = typeof options === 'boolean' ? { mode: options ? 'bar' : 'lines' } : options;
  const mode = o.mode ?? defaultProgressMode();
  if (mode === 'off') return { update: () => undefined, stop: () => undefined };
  return mode === 'bar' ? progressBar(title) : progressLines(title, o);
}

function progressBar(title: string): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {label}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, label = '') {
      if (!started) {
        bar.start(total, 0, { label });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** 75 s → '1m15s', 3725 s → '1h02m'. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Lines mode. The heartbeat timer is re-armed by every line, so the gap between two lines never
 * exceeds heartbeatMs; it is unref'd so that it never keeps the process alive.
 */
function progressLines(title: string, o: ProgressOptions): Progress {
  const write = o.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = o.now ?? Date.now;
  const every = o.heartbeatMs ?? HEARTBEAT_MS;
  const started = now();
  let last = { done: 0, total: 0, label: '' };
  let lastPct = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const elapsed = () => formatDuration(now() - started);
  const where = () => last.label || (last.total > 0 ? `${last.done}/${last.total}` : 'starting');
  const emit = (line: string) => {
    write(`${title}: ${line}`);
    arm();
  };
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = stopped ? undefined : setTimeout(() => emit(`… still running, ${where()}, ${elapsed()} elapsed`), every);
    (timer as { unref?: () => void } | undefined)?.unref?.();
  };
  arm();
  return {
    update(done, total, label = '') {
      last = { done, total, label };
      const pct = total > 0 ? Math.floor((100 * Math.min(done, total)) / total) : 0;
      if (pct === lastPct || stopped) return;
      lastPct = pct;
      const ms = now() - started;
      const eta = done > 0 && done < total ? `, ETA ${formatDuration((ms * (total - done)) / done)}` : '';
      emit(`${pct}%${label ? ` ${label}` : ''} (${elapsed()} elapsed${eta})`);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function pct(rate: number | null | undefined, digits = 1): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(digits)}%`;
}
