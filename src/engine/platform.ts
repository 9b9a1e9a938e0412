/**
 * What differs between the desktop app and the browser workbench, behind one interface the route
 * table uses: native dialogs, which typed paths are acceptable, where scratch experiments go,
 * saving and opening files, the recent-experiments list.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type FolderListingDto, type RecentDto } from '../contract';
import { confineSync, isInside } from '../shared/node/confine';

export { isInside };

export type FolderPurpose = 'model' | 'images' | 'experiment' | 'new-experiment';

export interface Platform {
  readonly mode: 'electron' | 'serve';
  readonly version: string;
  readonly nativeDialogs: boolean;
  /** A folder the user picked in a native dialog; null when cancelled. */
  pickFolder(purpose: FolderPurpose): Promise<string | null>;
  /** The absolute path to use for a path the renderer sent, or a 'forbidden' error. */
  allowPath(p: string, purpose: FolderPurpose): string;
  /** A new, empty folder for an experiment the user did not place anywhere. */
  scratchDir(): Promise<string>;
  /** Copies a file where the user chooses; null when cancelled or when there is no save dialog. */
  saveAs(sourceAbs: string, suggestedName: string): Promise<string | null>;
  /** Opens a file in the OS viewer; false where that is not possible. */
  openPath(abs: string): Promise<boolean>;
  readonly recent: RecentList;
  /** Serve mode's folder browser (fs:list); absent where a native dialog picks folders. */
  readonly folders?: FolderBrowsing;
}

/** Lists folders inside the roots a server may read, and remembers the ones the workbench used. */
export interface FolderBrowsing {
  list(p?: string): Promise<FolderListingDto>;
  remember(p: string): Promise<void>;
}

/**
 * Folders the user has chosen (dialogs, recent list). Electron accepts a typed path only inside
 * one of these: a compromised renderer cannot name ~/.ssh and have the engine read it.
 */
export class PathGrants {
  private readonly granted = new Set<string>();

  grant(dir: string): void {
    this.granted.add(path.resolve(dir));
  }

  /** The real path of `p` when it lies inside a granted folder; a symlink out of one is refused. */
  allow(p: string): string {
    const abs = path.resolve(p);
    return confineSync([...this.granted], abs, { message: `${abs} was not chosen in a dialog`, hint: 'choose the folder with the Open… button' });
  }
}

/** Recently opened experiments, newest first, kept in a small JSON file. */
export class RecentList {
  private cache?: RecentDto[];

  constructor(
    private readonly file: string | undefined,
    private readonly max = 10,
  ) {}

  async list(): Promise<RecentDto[]> {
    if (this.cache) return [...this.cache];
    let items: RecentDto[] = [];
    if (this.file) {
      try {
        const raw = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
        if (Array.isArray(raw)) {
          items = raw.filter((r): r is RecentDto => !!r && typeof r.dir === 'string' && typeof r.name === 'string' && typeof r.openedAt === 'string');
        }
      } catch {
        // missing or corrupt: start empty
      }
    }
    this.cache = items.slice(0, this.max);
    return [...this.cache];
  }

  async add(dir: string, name: string): Promise<void> {
    const items = (await this.list()).filter((r) => r.dir !== dir);
    this.cache = [{ dir, name, openedAt: new Date().toISOString() }, ...items].slice(0, this.max);
    if (this.file) {
      // Written here rather than with src/workspace's atomic writer: this runs in Electron main,
      // which must not load the workspace module's image codecs (sharp).
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(this.cache, null, 2));
      await rename(tmp, this.file);
    }
  }
}

/** A new folder name under `root` that does not exist yet, e.g. experiment-2026-01-31-1205. */
export function scratchName(now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '');
  return `experiment-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}
