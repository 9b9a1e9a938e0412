/**
 * The folder browser's DTOs (fs:list): serve mode lists the folders under the roots this server
 * may read (the workspace, the bundled assets, each `printshot serve --allow DIR`), each folder
 * with its kind, plus the recently used folders. The kind names and the wrong-kind suggestions
 * come from src/shared/folder-kinds.ts, re-exported here for the renderer.
 */
import { z } from 'zod';
import { FOLDER_KINDS } from '../shared/folder-kinds';

export { FOLDER_KINDS, KIND_HOME, KIND_LABEL, KIND_NOUN, wrongKindSuggestion } from '../shared/folder-kinds';
export type { ExpectedKind, FolderKind, KindSuggestion } from '../shared/folder-kinds';

export const FolderKindDto = z.enum(FOLDER_KINDS);

export const FolderEntryDto = z.object({ name: z.string(), path: z.string(), kind: FolderKindDto });
export type FolderEntryDto = z.infer<typeof FolderEntryDto>;

export const FolderRootDto = z.object({ name: z.string(), path: z.string(), readOnly: z.boolean() });
export type FolderRootDto = z.infer<typeof FolderRootDto>;

export const RecentFolderDto = z.object({ path: z.string(), name: z.string(), kind: FolderKindDto, usedAt: z.string() });
export type RecentFolderDto = z.infer<typeof RecentFolderDto>;

/** Without a path: the roots and recent folders only. */
export const FolderListRequest = z.strictObject({ path: z.string().min(1).max(4096).optional() });

export const FolderListingDto = z.object({
  /** The listed folder (its real path), or null for the roots-only answer. */
  path: z.string().nullable(),
  /** The folder above, or null at a root (nothing above a root may be browsed). */
  parent: z.string().nullable(),
  kind: FolderKindDto,
  /** Sub-folders, by name; hidden ones and links leading outside the roots are left out. */
  entries: z.array(FolderEntryDto),
  /** More sub-folders than the listing holds. */
  truncated: z.boolean(),
  roots: z.array(FolderRootDto),
  recent: z.array(RecentFolderDto),
});
export type FolderListingDto = z.infer<typeof FolderListingDto>;
