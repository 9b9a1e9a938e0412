/**
 * How busy the machine was during a measurement window, from /proc (Linux): CPU time of the whole
 * machine, of this test run's own process tree (the Playwright runner and everything below it:
 * the serve-mode server, the engine, Chromium and its GPU and renderer processes, this worker)
 * and of everything else ("foreign": other jobs on the same cores), in cores (1.0 = one core
 * busy for the whole window). Timing assertions only mean something when the foreign load is
 * low; elsewhere (no /proc) `available` is false.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const HZ = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on Linux

interface ProcTimes {
  ppid: number;
  comm: string;
  ticks: number;
}

export interface CpuSnapshot {
  at: number;
  busy: number;
  steal: number;
  procs: Map<number, ProcTimes>;
}

export interface CpuLoad {
  available: boolean;
  windowS: number;
  cores: number;
  /** Average number of busy cores, all processes. */
  busyCores: number;
  /** This test run's own processes (runner and descendants). */
  ownCores: number;
  /** Everything else on the machine (other jobs), plus CPU stolen by the hypervisor. */
  foreignCores: number;
  stealCores: number;
  /** The busiest of our own processes, for attribution. */
  top: { pid: number; name: string; cores: number }[];
}

function procTimes(pid: number): ProcTimes | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // after "(comm) ": field 3 (state) is f[0], so ppid (4) is f[1], utime (14) f[11], stime (15) f[12]
    return { ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal … (all cores together)
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const procs = new Map<number, ProcTimes>();
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const t = procTimes(Number(d));
      if (t) procs.set(Number(d), t);
    }
    return { at: performance.now(), busy: user + nice + system + irq + softirq + steal, steal, procs };
  } catch {
    return undefined;
  }
}

function label(pid: number, comm: string): string {
  try {
    // Chromium rewrites its command line as one space-separated string.
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '');
    const args = raw.includes('\0') ? raw.split('\0') : raw.split(' ');
    const type = args.find((a) => a.startsWith('--type='));
    if (type) return `${comm} ${type.slice(7)}`;
    // The last script on the line (node --import tsx/…/loader.mjs …/engine/child.ts → engine/child.ts).
    const script = args.slice(1).findLast((a) => /\.(m?js|ts)$/.test(a));
    return script ? `${comm} ${script.split('/').slice(-2).join('/')}` : comm;
  } catch {
    return comm;
  }
}

/** CPU use between two snapshots; `rootPid`'s tree (default: the Playwright runner, this worker's parent) counts as own. */
export function cpuLoad(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined, rootPid = process.ppid): CpuLoad {
  const cores = cpus().length;
  if (!a || !b) return { available: false, windowS: 0, cores, busyCores: 0, ownCores: 0, foreignCores: 0, stealCores: 0, top: [] };
  const windowS = (b.at - a.at) / 1000;
  const perS = (ticks: number) => ticks / HZ / windowS;
  const own = new Set<number>([rootPid]);
  // Descendants of rootPid in the later snapshot (parents come and go, so iterate to a fixpoint).
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of b.procs) {
      if (own.has(pid) || !own.has(p.ppid)) continue;
      own.add(pid);
      grew = true;
    }
  }
  const top: CpuLoad['top'] = [];
  let ownTicks = 0;
  for (const pid of own) {
    const later = b.procs.get(pid);
    if (!later) continue;
    const d = later.ticks - (a.procs.get(pid)?.ticks ?? 0);
    ownTicks += d;
    if (d > 0) top.push({ pid, name: label(pid, later.comm), cores: Number(perS(d).toFixed(2)) });
  }
  top.sort((x, y) => y.cores - x.cores);
  const busy = perS(b.busy - a.busy);
  const steal = perS(b.steal - a.steal);
  const r = (v: number) => Number(Math.max(0, v).toFixed(2));
  return { available: true, windowS: Number(windowS.toFixed(2)), cores, busyCores: r(busy), ownCores: r(perS(ownTicks)), foreignCores: r(busy - perS(ownTicks)), stealCores: r(steal), top: top.slice(0, 8) };
}

/**
 * Other jobs may use at most this many cores on average during a timed window (the engine takes
 * one core of its own, which is part of the scenario, not foreign load). PRINTSHOT_FOREIGN_LOAD_MAX
 * overrides it (a large value judges every run).
 */
export const FOREIGN_LOAD_MAX = Number(process.env.PRINTSHOT_FOREIGN_LOAD_MAX ?? 0.5);

/** Why timings taken under `load` cannot be judged (a short reason), or '' when they can. */
export function loadTooHigh(load: CpuLoad, max = FOREIGN_LOAD_MAX): string {
  if (!load.available) return 'no /proc to measure the machine load';
  if (load.foreignCores > max) return `other processes used ${load.foreignCores} of ${load.cores} cores during the window (limit ${max})`;
  return '';
}
