/**
 * What moving the Node I/O out of the pure core must not change: the model fingerprint (now
 * WebCrypto over model.json + shards, was node:crypto), and the host services: the pure JPEG
 * transform and EOT file reading fail with one clear line when no host is installed, and work
 * once installNodeHost() has run.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readModelDir } from '../../../src/model/node';
import { makeImage8 } from '../../../src/shared';

const modelDir = path.resolve(__dirname, '../../../assets/models/fashion-cnn');

describe('model fingerprint', () => {
  it('is the sha256 of model.json followed by its shards, as node:crypto computed it', async () => {
    const json = readFileSync(path.join(modelDir, 'model.json'));
    const manifest = JSON.parse(json.toString('utf8')) as { weightsManifest: { paths: string[] }[] };
    const hash = createHash('sha256').update(json);
    for (const group of manifest.weightsManifest) for (const p of group.paths) hash.update(readFileSync(path.join(modelDir, p)));
    expect((await readModelDir(modelDir)).fingerprint).toBe(hash.digest('hex'));
  });
});

describe('host services', () => {
  it('the pure core refuses JPEG and distribution files, with the fix, until a host is installed', async () => {
    vi.resetModules(); // fresh module instances: the vitest setup's installNodeHost() is not in them
    const { encodeJpeg } = await import('../../../src/transforms/jpeg');
    const { resolveDistribution } = await import('../../../src/attacks/eot-distribution');
    const img = makeImage8(8, 8, 3);
    await expect(encodeJpeg(img, 50)).rejects.toMatchObject({ message: expect.stringMatching(/no host services installed/), hint: expect.stringMatching(/installNodeHost\(\)/) });
    await expect(resolveDistribution('no-such-file.json')).rejects.toThrow(/no host services installed/);
    // Presets need no host.
    expect(await resolveDistribution('none')).toEqual({});

    const { installNodeHost } = await import('../../../src/transforms/node/host');
    installNodeHost();
    const bytes = await encodeJpeg(img, 50);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]); // a JPEG SOI marker
    await expect(resolveDistribution('no-such-file.json')).rejects.toThrow(/neither a preset nor a readable JSON file \(ENOENT\)/);
  });
});
