/** The catalogue's invariants, the data folder rules and the mirror URL mapping. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelCardSchema } from '../../../src/model';
import { cardFor, dataDir, IMAGENET_LABELS_URL, mirrorUrl, ZOO, zooModelDir } from '../../../src/zoo';

describe('catalogue', () => {
  it('lists MobileNet V1, V2 and Inception v3 with complete, honest entries', () => {
    expect(ZOO.map((e) => e.name)).toEqual(['mobilenet-v1-1.0-224', 'mobilenet-v2-1.0-224', 'inception-v3']);
    for (const e of ZOO) {
      expect(new URL(e.modelUrl).protocol).toBe('https:');
      expect(new URL(e.modelUrl).pathname).toMatch(/\/model\.json$/);
      expect(e.labelsUrl).toBe(IMAGENET_LABELS_URL);
      // 1001-way models: output 0 is "background", ImageNet class k is output k + 1.
      expect([e.classes, e.labelOffset, e.labelsSkip]).toEqual([1001, 1, 0]);
      expect(e.sha256).toBeNull(); // unverified: pinned on first download
      expect(e.input.channels).toBe(3);
      expect(e.approxBytes).toBeGreaterThan(10e6);
      const labels = ['background', ...Array.from({ length: 1000 }, (_, i) => `c${i}`)];
      expect(ModelCardSchema.safeParse(cardFor(e, labels)).success).toBe(true);
    }
    expect(ZOO.find((e) => e.name === 'inception-v3')?.input).toEqual({ height: 299, width: 299, channels: 3 });
  });
});

describe('paths', () => {
  it('finds the data folder: option, PRINTSHOT_DATA_DIR, XDG_DATA_HOME, platform default', () => {
    expect(dataDir({ PRINTSHOT_DATA_DIR: '/d', XDG_DATA_HOME: '/x' }, 'linux', '/home/u')).toBe('/d');
    expect(dataDir({ XDG_DATA_HOME: '/x' }, 'linux', '/home/u')).toBe(join('/x', 'printshot'));
    expect(dataDir({}, 'linux', '/home/u')).toBe(join('/home/u', '.local', 'share', 'printshot'));
    expect(dataDir({}, 'darwin', '/Users/u')).toBe(join('/Users/u', 'Library', 'Application Support', 'printshot'));
    expect(dataDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe(join('C:\\Users\\u\\AppData\\Local', 'printshot'));
    expect(zooModelDir('inception-v3', '/d')).toBe(join('/d', 'models', 'inception-v3'));
  });

  it('maps catalogue URLs onto a mirror by host and path, keeping the query', () => {
    const url = 'https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/2/model.json?tfjs-format=file';
    expect(mirrorUrl(url, undefined)).toBe(url);
    expect(mirrorUrl(url, 'http://127.0.0.1:9/zoo/')).toBe('http://127.0.0.1:9/zoo/tfhub.dev/google/imagenet/mobilenet_v2_100_224/classification/2/model.json?tfjs-format=file');
  });
});
