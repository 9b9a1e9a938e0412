/**
 * One writer at a time on the command line: every command that writes into an experiment takes
 * its lock (src/workspace/lock.ts) before its action runs and gives it back when main() returns,
 * whether the action finished or threw. Taken here, in one place, so the commands themselves
 * stay unaware of it; a service they call that locks again (re-entrant) does not wait for itself.
 * Each writer gets `--wait <duration>` (wait for the other writer instead of failing) and
 * `--break-lock` (remove a lock left on another host, after the message that named it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { acquireExperimentLock } from '../workspace/lock';
import { duration } from './commands/options';

type Opts = Record<string, unknown>;

interface Writer {
  /** The experiment folders the command writes into (or must see unchanged). */
  dirs(opts: Opts): (string | undefined)[];
  /** The command creates its folder (attack, robustness); others only lock a folder that exists. */
  creates?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The experiment a clean-images folder belongs to (EXP/clean), if it is one. */
function experimentOf(folder: string | undefined): string | undefined {
  if (!folder) return undefined;
  const parent = path.dirname(path.resolve(folder));
  return existsSync(path.join(parent, 'experiment.json')) ? parent : undefined;
}

/**
 * The writers, by command path. experiments duplicate and unarchive build their copy in a temp
 * folder and rename it into place, so their destination needs no lock (and must not exist).
 */
export const WRITERS: Record<string, Writer> = {
  attack: { dirs: (o) => [str(o.out)], creates: true },
  robustness: { dirs: (o) => [str(o.out)], creates: true },
  patch: { dirs: (o) => [str(o.out)], creates: true },
  'patch apply': { dirs: (o) => [str(o.experiment)], creates: true },
  'patch sheet': { dirs: (o) => [str(o.experiment)] },
  'patch evaluate': { dirs: (o) => [str(o.experiment)] },
  reproduce: { dirs: (o) => [str(o.out)], creates: true },
  demo: { dirs: (o) => [str(o.out)], creates: true },
  calibrate: { dirs: (o) => [str(o.experiment)] },
  'channel fit': { dirs: (o) => [str(o.experiment)] },
  register: { dirs: (o) => [str(o.experiment)] },
  report: { dirs: (o) => [str(o.experiment)] },
  sheet: { dirs: (o) => [str(o.experiment)] },
  evaluate: { dirs: (o) => [str(o.experiment) ?? experimentOf(str(o.clean))] },
  check: { dirs: (o) => (o.repair ? [str(o.experiment)] : []) },
  'runs resume': { dirs: (o) => [str(o.experiment)] },
  'runs drop': { dirs: (o) => [str(o.experiment)] },
  'experiments rename': { dirs: (o) => [str(o.experiment)] },
  // Copies read the whole folder: a writer changing it meanwhile would make an inconsistent copy.
  'experiments duplicate': { dirs: (o) => [str(o.experiment)] },
  'experiments archive': { dirs: (o) => [str(o.experiment)] },
};

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const releases: (() => Promise<void>)[] = [];

/** Adds --wait and --break-lock to every writer and takes the lock before its action. */
export function lockWriters(program: Command): void {
  const visit = (cmd: Command) => {
    for (const sub of cmd.commands) {
      if (WRITERS[commandPath(sub)]) {
        sub.option('--wait <duration>', 'if another printshot writes into the experiment, wait this long for it (e.g. 30s, 10m) instead of failing', duration);
        sub.option('--break-lock', 'remove a lock left on another host (see docs/experiments.md, "One writer at a time")');
      }
      visit(sub);
    }
  };
  visit(program);
  program.hook('preAction', async (_root, action) => {
    const name = commandPath(action);
    const writer = WRITERS[name];
    if (!writer) return;
    const opts = action.opts<Opts>();
    const wait = typeof opts.wait === 'number' ? opts.wait : 0;
    for (const dir of new Set(writer.dirs(opts).filter((d): d is string => d !== undefined).map((d) => path.resolve(d)))) {
      if (!writer.creates && !existsSync(dir)) continue; // the command reports the missing folder itself
      releases.push(
        await acquireExperimentLock(dir, `printshot ${name}`, {
          wait,
          breakLock: opts.breakLock === true,
          onWait: (h) => process.stderr.write(`waiting for \`${h.command}\` (pid ${h.pid} on host ${h.host}) to finish with ${dir}…\n`),
          onBreak: (h) => process.stderr.write(`breaking the lock of \`${h.command}\` (pid ${h.pid} on host ${h.host}, since ${h.startedAt}) on ${dir}\n`),
        }),
      );
    }
  });
}

/** Gives back the locks the command took (main() calls it however the command ended). */
export async function releaseCommandLocks(): Promise<void> {
  for (const release of releases.splice(0).reverse()) await release();
}
