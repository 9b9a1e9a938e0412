/**
 * The small part of ZIP that experiment archives need, streamed so a large experiment is never
 * held in memory: writing goes through fflate's streaming Zip (each file read once, hashed and
 * zipped from the same chunks); reading uses the central directory and extracts one entry at a
 * time with node:zlib. No ZIP64: files and archives must stay under 4 GiB (checked on write).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { strFromU8, Zip, ZipDeflate, ZipPassThrough, type ZipInputFile } from 'fflate';
import { PrintshotError } from '../shared';

export const ZIP_LIMIT = 0xffffffff;

export interface WrittenEntry {
  size: number;
  sha256: string;
}

/** Writes a .zip to a temp file beside `path`; close() renames it into place. */
export class ZipWriter {
  private readonly zip: Zip;
  private writing: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  private total = 0;

  private constructor(private readonly fh: FileHandle, private readonly tmp: string, private readonly path: string) {
    this.zip = new Zip((err, chunk) => {
      if (err) this.failure ??= err;
      else if (chunk.length > 0) {
        this.total += chunk.length;
        this.writing = this.writing.then(() => this.fh.write(chunk));
      }
    });
  }

  static async create(path: string): Promise<ZipWriter> {
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    return new ZipWriter(await open(tmp, 'wx'), tmp, path);
  }

  /** Adds a file from disk, deflating it only when it is likely to shrink (PNGs do not). */
  async addFile(name: string, absPath: string, deflate: boolean): Promise<WrittenEntry> {
    const entry = this.entry(name, deflate);
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(absPath, { highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
      if (size >= ZIP_LIMIT) throw new PrintshotError('io', `${absPath}: files of 4 GiB or more cannot be archived`);
      entry.push(bytes);
      await this.flush(); // backpressure: never queue more than one chunk ahead of the disk
    }
    entry.push(new Uint8Array(0), true);
    await this.flush();
    return { size, sha256: hash.digest('hex') };
  }

  async addBytes(name: string, bytes: Uint8Array, deflate: boolean): Promise<void> {
    this.entry(name, deflate).push(bytes, true);
    await this.flush();
  }

  async close(): Promise<void> {
    this.zip.end();
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
  }

  /** Removes the temp file after a failure (idempotent, never throws). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }

  private entry(name: string, deflate: boolean): ZipInputFile & { push(c: Uint8Array, final?: boolean): void } {
    const entry = deflate ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    this.zip.add(entry);
    return entry;
  }

  private async flush(): Promise<void> {
    await this.writing;
    if (this.failure) throw new PrintshotError('io', `${this.path}: cannot write archive (${this.failure.message})`);
    if (this.total >= ZIP_LIMIT) throw new PrintshotError('io', `${this.path}: archives of 4 GiB or more are not supported`);
  }
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  offset: number;
}

/**
 * Bounds on what an archive may make us write: deflate reaches ~1000:1, so a 400 KB zip can
 * declare (or, lying, produce) hundreds of MB. Experiments are mostly PNGs (ratio ~1) and JSON
 * (~10:1); entries over `ratioFloorBytes` above `maxRatio` are refused as bombs, entries may not
 * share compressed data (overlapping-entry bombs), and the declared total has a cap.
 */
export interface ZipLimits {
  maxTotalBytes: number;
  maxRatio: number;
  ratioFloorBytes: number;
}
export const ZIP_LIMITS: ZipLimits = { maxTotalBytes: 16 * 1024 ** 3, maxRatio: 200, ratioFloorBytes: 1024 * 1024 };

function checkBounds(path: string, entries: ZipEntry[], fileSize: number, limits: ZipLimits): void {
  let total = 0;
  for (const e of entries) {
    total += e.size;
    if (e.offset + 30 + e.compressedSize > fileSize) throw new PrintshotError('bad-experiment', `${path}: ${e.name} runs past the end of the file`);
    if (e.size > limits.ratioFloorBytes && e.size > limits.maxRatio * Math.max(e.compressedSize, 1)) {
      throw new PrintshotError('bad-experiment', `${path}: ${e.name} expands ${Math.round(e.size / Math.max(e.compressedSize, 1))}:1 (over ${limits.maxRatio}:1), refused as a zip bomb`);
    }
  }
  if (total > limits.maxTotalBytes) {
    throw new PrintshotError('bad-experiment', `${path}: declares ${total} bytes in all, over the ${limits.maxTotalBytes}-byte limit`);
  }
  const byOffset = [...entries].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    if (byOffset[i].offset < prev.offset + 30 + prev.compressedSize) throw new PrintshotError('bad-experiment', `${path}: entries ${prev.name} and ${byOffset[i].name} overlap`);
  }
}

/** Reads the central directory of a .zip file, refusing archives outside `limits`. */
export async function readZipEntries(path: string, limits: ZipLimits = ZIP_LIMITS): Promise<ZipEntry[]> {
  const fh = await open(path, 'r').catch((e: Error) => {
    throw new PrintshotError('io', `${path}: cannot open (${e.message})`);
  });
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = await readAt(fh, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new PrintshotError('bad-experiment', `${path}: not a zip file`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new PrintshotError('bad-experiment', `${path}: ZIP64 archives are not supported`);
    if (cdOffset + cdSize > size) throw new PrintshotError('bad-experiment', `${path}: truncated zip file`);
    const cd = await readAt(fh, cdOffset, cdSize);
    const entries: ZipEntry[] = [];
    for (let p = 0, k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new PrintshotError('bad-experiment', `${path}: corrupt zip central directory`);
      const nameLen = cd.readUInt16LE(p + 28);
      const utf8 = (cd.readUInt16LE(p + 8) & 0x800) !== 0;
      const localOffset = cd.readUInt32LE(p + 42);
      const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
      // Names of local headers are re-read on extraction; sizes come from here because
      // streamed entries (data descriptors) have zeros in their local headers.
      entries.push({
        name: utf8 ? strFromU8(nameBytes) : strFromU8(nameBytes, true),
        method: cd.readUInt16LE(p + 10),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        offset: localOffset,
      });
      p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    checkBounds(path, entries, size, limits);
    return entries;
  } finally {
    await fh.close();
  }
}

/**
 * Extracts one entry to `target` (created exclusively), returning its size and sha256. Stops as
 * soon as the output passes the entry's declared size, so a lying header cannot fill the disk,
 * and removes the partial file.
 */
export async function extractEntry(zipPath: string, entry: ZipEntry, target: string): Promise<WrittenEntry> {
  if (entry.method !== 0 && entry.method !== 8) throw new PrintshotError('bad-experiment', `${zipPath}: ${entry.name} uses unsupported compression method ${entry.method}`);
  const fh = await open(zipPath, 'r');
  let dataStart: number;
  try {
    const local = await readAt(fh, entry.offset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new PrintshotError('bad-experiment', `${zipPath}: corrupt local header for ${entry.name}`);
    dataStart = entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  const hash = createHash('sha256');
  let size = 0;
  const source = entry.compressedSize === 0
    ? [] // createReadStream's end is inclusive, so an empty range needs its own case
    : createReadStream(zipPath, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
  const decode: Transform = entry.method === 8 ? createInflateRaw() : new PassThrough();
  try {
    await pipeline(
      source,
      decode,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const c of chunks) {
          size += c.length;
          if (size > entry.size) throw new Error(`more data than the ${entry.size} bytes declared`);
          hash.update(c);
          yield c;
        }
      },
      createWriteStream(target, { flags: 'wx' }),
    );
  } catch (e) {
    // Only remove what this call created: 'wx' fails on an existing file before writing.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') await rm(target, { force: true });
    throw new PrintshotError('bad-experiment', `${zipPath}: cannot extract ${entry.name} (${(e as Error).message})`);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Reads a whole (small) entry into memory, e.g. the archive index. */
export async function readEntryText(zipPath: string, entry: ZipEntry, scratch: string): Promise<string> {
  await extractEntry(zipPath, entry, scratch);
  try {
    return await readFile(scratch, 'utf8');
  } finally {
    await unlink(scratch).catch(() => undefined);
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}
