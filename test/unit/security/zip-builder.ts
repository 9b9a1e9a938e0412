/**
 * Hand-made .zip files for the bounded-parsing and fuzz tests: any declared sizes, offsets and
 * methods, including lies that a real zip writer would never produce.
 */
import { crc32 } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** The stored bytes (already deflated for method 8). */
  data: Uint8Array;
  method?: number;
  /** The uncompressed size to declare (default: data.length). */
  size?: number;
  /** Point the central directory at another entry's local header (overlapping entries). */
  offsetOf?: number;
}

export function buildZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const offsets: number[] = [];
  let pos = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x800, 6);
    h.writeUInt16LE(e.method ?? 0, 8);
    h.writeUInt32LE(crc32(e.data), 14);
    h.writeUInt32LE(e.data.length, 18);
    h.writeUInt32LE(e.size ?? e.data.length, 22);
    h.writeUInt16LE(name.length, 26);
    offsets.push(pos);
    locals.push(h, name, Buffer.from(e.data));
    pos += 30 + name.length + e.data.length;
  }
  const central: Buffer[] = [];
  for (const [i, e] of entries.entries()) {
    const name = Buffer.from(e.name);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x800, 8);
    c.writeUInt16LE(e.method ?? 0, 10);
    c.writeUInt32LE(crc32(e.data), 16);
    c.writeUInt32LE(e.data.length, 20);
    c.writeUInt32LE(e.size ?? e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offsets[e.offsetOf ?? i], 42);
    central.push(c, name);
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(pos, 16);
  return Buffer.concat([...locals, cd, end]);
}
