/**
 * The files of a drop, folders included: Chromium hands a dropped folder to the page as a
 * FileSystemDirectoryEntry (DataTransferItem.webkitGetAsEntry), whose files the page may read
 * although it never learns where the folder is on disk. So a folder of phone photos can be
 * dropped on Capture as it is. The entries must be taken during the drop event itself (the
 * items are emptied afterwards); reading them may then finish later.
 */

/** Files read from dropped folders at most, and folder levels walked: a whole disk dropped by mistake stays bounded. */
export const MAX_DROPPED_FILES = 1000;
const MAX_DEPTH = 4;

/** The drop's entries (folders and files), or null where the browser gives plain files only. */
export function dropEntries(data: DataTransfer | null | undefined): FileSystemEntry[] | null {
  const items = data?.items ? [...data.items] : [];
  if (!items.length || typeof items[0].webkitGetAsEntry !== 'function') return null;
  return items.map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => !!e);
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every entry of a folder: readEntries answers in batches until an empty one. */
async function children(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return all;
    all.push(...batch);
  }
}

/** The files under the entries, folders walked in name order, hidden files left out. */
export async function filesOf(entries: readonly FileSystemEntry[], depth = 0, out: File[] = []): Promise<File[]> {
  for (const entry of entries) {
    if (out.length >= MAX_DROPPED_FILES || entry.name.startsWith('.')) continue;
    if (entry.isFile) out.push(await fileOf(entry as FileSystemFileEntry));
    else if (entry.isDirectory && depth < MAX_DEPTH) {
      const inner = (await children(entry as FileSystemDirectoryEntry)).sort((a, b) => a.name.localeCompare(b.name));
      await filesOf(inner, depth + 1, out);
    }
  }
  return out;
}
