/**
 * Serve mode's folder browser (fs:list): the browser has no folder dialog, so the server lists
 * folders for it, confined to its roots: the workspace, the bundled assets (read-only) and each
 * folder granted with `printshot serve --allow DIR`. Every path is judged by its real path
 * (shared/node/confine.ts), so `..`, absolute paths elsewhere and symlinks planted inside a root
 * are refused; a listing leaves out sub-folders whose links lead outside. Each folder carries its
 * kind (shared/node/folder-kind.ts), the one detection the loaders' errors use too.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ContractError, type FolderEntryDto, type FolderKind, type FolderListingDto, type FolderRootDto } from '../contract';
import type { FolderBrowsing } from '../engine';
import { confine, realPath } from '../shared/node/confine';
import { folderKind } from '../shared/node/folder-kind';
import { isPrintshotError } from '../shared';
import { RecentFolders } from './recent-folders';

/** Sub-folders listed at most; a bigger folder says it was cut (truncated). */
export const MAX_ENTRIES = 500;

export type BrowseRoot = FolderRootDto;

export class FolderBrowser implements FolderBrowsing {
  constructor(
    readonly roots: readonly BrowseRoot[],
    private readonly recents: RecentFolders,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  /** The real path of `p` inside a root, or a 'forbidden' error that says how to grant it. */
  async confine(p: string): Promise<string> {
    const rootPaths = this.roots.map((r) => r.path);
    try {
      return await confine(rootPaths, p);
    } catch (e) {
      if (isPrintshotError(e) && e.code === 'forbidden') {
        const names = this.roots.map((r) => r.path).join(', ');
        throw new ContractError(
          'forbidden',
          `${p} is outside the folders this workbench may open (${names})`,
          `choose a folder under one of those, or restart with printshot serve --allow ${path.isAbsolute(p) ? p : 'DIR'}`,
        );
      }
      throw e;
    }
  }

  async list(p?: string): Promise<FolderListingDto> {
    const roots = [...this.roots];
    const recent = await this.recentInside();
    if (p === undefined) return { path: null, parent: null, kind: 'folder', entries: [], truncated: false, roots, recent };
    const real = await this.confine(p);
    const st = await stat(real).catch(() => undefined);
    if (!st) throw new ContractError('io', `${p}: folder not found`, 'choose a folder from the list, or check the path for typos');
    if (!st.isDirectory()) throw new ContractError('bad-request', `${p} is a file, not a folder`, 'choose the folder that holds it');
    const { entries, truncated } = await this.subfolders(real);
    const atRoot = await this.isRoot(real);
    return { path: real, parent: atRoot ? null : path.dirname(real), kind: await folderKind(real), entries, truncated, roots, recent };
  }

  /** Records a folder the workbench used (its real path), when it lies inside a root. */
  async remember(p: string): Promise<void> {
    const real = await this.confine(p).catch(() => undefined);
    if (real) await this.recents.add(real, await folderKind(real));
  }

  private async isRoot(real: string): Promise<boolean> {
    for (const r of this.roots) if ((await realPath(r.path).catch(() => r.path)) === real) return true;
    return false;
  }

  private async subfolders(real: string): Promise<{ entries: FolderEntryDto[]; truncated: boolean }> {
    let list: Dirent[];
    try {
      list = await readdir(real, { withFileTypes: true });
    } catch (e) {
      throw new ContractError('io', `cannot list ${real} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'check the folder is readable by the user running printshot serve');
    }
    const names = list
      .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort((a, b) => a.localeCompare(b));
    const entries: FolderEntryDto[] = [];
    for (const name of names) {
      if (entries.length >= this.maxEntries) return { entries, truncated: true };
      const full = path.join(real, name);
      // A link is listed only when it stays inside a root and names a folder.
      const target = await this.confine(full).catch(() => undefined);
      if (!target || !(await stat(target).catch(() => undefined))?.isDirectory()) continue;
      entries.push({ name, path: full, kind: await folderKind(target) });
    }
    return { entries, truncated: false };
  }

  /** Recent folders that still exist inside a root, with their kind as it is now. */
  private async recentInside(): Promise<FolderListingDto['recent']> {
    const out: FolderListingDto['recent'] = [];
    for (const r of await this.recents.list()) {
      const real = await this.confine(r.path).catch(() => undefined);
      if (!real || !(await stat(real).catch(() => undefined))?.isDirectory()) continue;
      out.push({ ...r, kind: (await folderKind(real)) satisfies FolderKind });
    }
    return out;
  }
}
