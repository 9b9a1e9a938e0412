/**
 * The folders this server's workbench used recently (a model loaded, an image folder listed, an
 * experiment opened), newest first, in <workspace>/.printshot/recent.json. Written with
 * atomicWrite, so a crash mid-write leaves the previous list, never half a file; a missing or
 * corrupt file reads as an empty list. Entries are only suggestions: the folder browser checks
 * each against its roots again before showing it, so editing this file grants nothing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RecentFolderDto, type FolderKind } from '../contract';
import { atomicWriteJson } from '../shared/node/atomic';

export const RECENT_FOLDERS_FILE = path.join('.printshot', 'recent.json');

export class RecentFolders {
  private cache?: RecentFolderDto[];
  /** Writes one at a time, in call order: two quick loads must not lose an entry. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly max = 12,
  ) {}

  async list(): Promise<RecentFolderDto[]> {
    if (!this.cache) {
      let items: RecentFolderDto[] = [];
      try {
        const parsed = z.array(RecentFolderDto).safeParse(JSON.parse(await readFile(this.file, 'utf8')));
        if (parsed.success) items = parsed.data;
      } catch {
        // missing or not JSON: start empty
      }
      this.cache = items.slice(0, this.max);
    }
    return [...this.cache];
  }

  /** Puts `dir` first (once); writes only when the list changes. */
  add(dir: string, kind: FolderKind, now = new Date()): Promise<void> {
    const next = this.queue.then(async () => {
      const items = await this.list();
      if (items[0]?.path === dir && items[0].kind === kind) return;
      const entry: RecentFolderDto = { path: dir, name: path.basename(dir) || dir, kind, usedAt: now.toISOString() };
      this.cache = [entry, ...items.filter((r) => r.path !== dir)].slice(0, this.max);
      await atomicWriteJson(this.file, this.cache);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
