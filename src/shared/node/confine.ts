/**
 * Path confinement: the one check every route, IPC handler and reader uses before it touches a
 * file a request or a shared folder names. A path counts as inside a root only when its real
 * path (symlinks resolved, fs.realpath) is inside the root's real path, so `..` segments and
 * symlinks planted in an experiment, a model folder or a zip all stop at the root. A path that
 * does not exist yet (a new experiment folder) is judged by its nearest existing ancestor.
 *
 * Node-only (fs): not exported from src/shared/index.ts, which the renderer also imports.
 */
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { PrintshotError } from '../errors';

/** True when `child` is `parent` or inside it (both absolute, compared as strings). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

function missing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The real path of `p`, or, when it does not exist, its nearest existing ancestor's real path plus the rest. */
export function realPathSync(p: string): string {
  const rest: string[] = [];
  for (let cur = path.resolve(p); ; cur = path.dirname(cur)) {
    try {
      return path.join(realpathSync(cur), ...rest);
    } catch (e) {
      if (!missing(e) || path.dirname(cur) === cur) throw e;
      rest.unshift(path.basename(cur));
    }
  }
}

export async function realPath(p: string): Promise<string> {
  const rest: string[] = [];
  for (let cur = path.resolve(p); ; cur = path.dirname(cur)) {
    try {
      return path.join(await realpath(cur), ...rest);
    } catch (e) {
      if (!missing(e) || path.dirname(cur) === cur) throw e;
      rest.unshift(path.basename(cur));
    }
  }
}

export interface ConfineOptions {
  /** Names the target in the error, e.g. "results/a.png" (default: the path as given). */
  what?: string;
  /** Names the root in the error, e.g. "the experiment folder". */
  rootName?: string;
  /** The whole message instead of "<what> leads outside <rootName>". */
  message?: string;
  hint?: string;
}

/** `target` relative to `root` ('/'-separated, as stored in manifests), or absolute. */
function joinTarget(root: string, target: string): string {
  return path.isAbsolute(target) ? target : path.join(root, ...target.split('/'));
}

function refuse(target: string, roots: readonly string[], opts: ConfineOptions): PrintshotError {
  const where = opts.rootName ?? (roots.length === 1 ? roots[0] : 'the folders you chose');
  return new PrintshotError('forbidden', opts.message ?? `${opts.what ?? target} leads outside ${where}`, opts.hint);
}

/**
 * The real path of `target` when it lies inside one of `roots` (relative targets are joined to
 * the first root), else a 'forbidden' PrintshotError. The returned path is the one to open.
 */
export async function confine(roots: string | readonly string[], target: string, opts: ConfineOptions = {}): Promise<string> {
  const list = typeof roots === 'string' ? [roots] : roots;
  if (list.length === 0) throw refuse(target, list, opts);
  const real = await realPath(joinTarget(list[0], target));
  for (const root of list) if (isInside(await realPath(root), real)) return real;
  throw refuse(target, list, opts);
}

/** confine() for synchronous callers (PathGrants.allow). */
export function confineSync(roots: string | readonly string[], target: string, opts: ConfineOptions = {}): string {
  const list = typeof roots === 'string' ? [roots] : roots;
  if (list.length === 0) throw refuse(target, list, opts);
  const real = realPathSync(joinTarget(list[0], target));
  for (const root of list) if (isInside(realPathSync(root), real)) return real;
  throw refuse(target, list, opts);
}
