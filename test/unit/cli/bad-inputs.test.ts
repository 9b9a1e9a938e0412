/**
 * Every bad input gives exactly one clear error line on stderr and a non-zero exit, and leaves
 * nothing under --out. These run the real binary: exit codes and stderr are the contract.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { attackRegistry } from '../../../src/attacks';
import { ROOT, runCliAsync } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MODEL = join(ROOT, 'assets/models/fashion-cnn');

function modelCopy(name: string): string {
  const dir = join(tmp, name);
  cpSync(MODEL, dir, { recursive: true });
  return dir;
}

function imagesWith(name: string, files: Record<string, Buffer | string>): string {
  const dir = join(tmp, name);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), data);
  }
  return dir;
}

/** A syntactically valid PNG whose header claims 30000×30000 pixels, a few hundred bytes long. */
function hugePngHeader(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30000, 0);
  ihdr.writeUInt32BE(30000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const samplePng = () => readFileSync(join(ROOT, 'assets/samples/Bag/00018.png'));

const cases: [string, () => string[], RegExp][] = [
  [
    'corrupt model.json',
    () => {
      const dir = modelCopy('corrupt');
      writeFileSync(join(dir, 'model.json'), '{"modelTopology": ');
      return ['--model', dir];
    },
    /model\.json.*(JSON|corrupt)/i,
  ],
  [
    'missing weight shard',
    () => {
      const dir = modelCopy('noshard');
      rmSync(join(dir, 'group1-shard1of1.bin'));
      return ['--model', dir];
    },
    /group1-shard1of1\.bin/,
  ],
  [
    'truncated weight shard',
    () => {
      const dir = modelCopy('truncated');
      truncateSync(join(dir, 'group1-shard1of1.bin'), 1000);
      return ['--model', dir];
    },
    /expected \d+ bytes.*found 1000/,
  ],
  [
    'model card with the wrong input shape',
    () => {
      const dir = modelCopy('wrongshape');
      const card = JSON.parse(readFileSync(join(dir, 'model-card.json'), 'utf8'));
      card.input = { height: 32, width: 32, channels: 3 };
      writeFileSync(join(dir, 'model-card.json'), JSON.stringify(card));
      return ['--model', dir];
    },
    /shape|32/i,
  ],
  ['non-image file', () => ['--images', imagesWith('nonimage', { 'Bag/a.png': 'this is not a PNG' })], /a\.png.*not a PNG or JPEG/],
  ['30000×30000 PNG header', () => ['--images', imagesWith('huge', { 'Bag/huge.png': hugePngHeader() })], /huge\.png.*30000/],
  ['empty folder', () => ['--images', imagesWith('empty', {})], /no images found/],
  ['unknown class folder', () => ['--images', imagesWith('unknownclass', { 'Zebra/a.png': samplePng() })], /folder 'Zebra' does not match any model label/],
];

describe('printshot attack rejects bad input with one clear line', () => {
  it.each(cases)('%s', async (_name, args, message) => {
    const out = join(tmp, `out-${_name.replace(/\W+/g, '-')}`);
    mkdirSync(join(tmp, 'empty'), { recursive: true });
    const r = await runCliAsync(['attack', '--method', 'fgsm', '--eps', '8', '--out', out, ...args()]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('unknown method', async () => {
    const out = join(tmp, 'out-method');
    const r = await runCliAsync(['attack', '--method', 'deepfool', '--eps', '8', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: unknown attack method 'deepfool'; known: ${attackRegistry.map((a) => a.id).join(', ')}`);
    expect(existsSync(out)).toBe(false);
  });

  it('invalid attack parameter', async () => {
    const r = await runCliAsync(['attack', '--method', 'bim', '--eps', '300', '--out', join(tmp, 'out-eps')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: bim: eps: must be at most 255');
  });
});

describe('printshot transform and evaluate reject unknown transforms', () => {
  it('transform', async () => {
    const out = join(tmp, 'out-transform');
    const r = await runCliAsync(['transform', '--images', join(ROOT, 'assets/samples'), '--transform', 'sepia:amount=1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: unknown transform 'sepia'; known: brightness, contrast, gaussian-blur, gaussian-noise, jpeg/);
    expect(existsSync(out)).toBe(false);
  });

  it('evaluate', async () => {
    const samples = join(ROOT, 'assets/samples');
    const r = await runCliAsync(['evaluate', '--clean', samples, '--adversarial', samples, '--transform', 'sepia']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unknown transform 'sepia'/);
  });

  it('a missing required option is a usage error (exit 2)', async () => {
    const r = await runCliAsync(['attack', '--eps', '8']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--method <name>' not specified/);
  });
});
