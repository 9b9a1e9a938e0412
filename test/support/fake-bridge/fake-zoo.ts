/** The zoo as FakeBridge lists it: one model downloaded, one half-pulled, one absent. */
import type { ZooEntryDto } from '../../../src/contract';

const entry = (name: string, title: string, state: ZooEntryDto['state'], size: number): ZooEntryDto => ({
  name,
  title,
  description: `${title}, ${size}×${size} RGB, ImageNet (fake)`,
  format: 'graph',
  input: { height: size, width: size, channels: 3 },
  classes: 1001,
  approxBytes: 14_160_000,
  top1: 0.718,
  paper: 'fake paper',
  license: 'Apache-2.0',
  state,
  dir: `/fake/data/models/${name}`,
});

export function fakeZoo(): ZooEntryDto[] {
  return [entry('mobilenet-v1-1.0-224', 'MobileNet V1 1.0 224', 'downloaded', 224), entry('mobilenet-v2-1.0-224', 'MobileNet V2 1.0 224', 'absent', 224), entry('inception-v3', 'Inception v3', 'partial', 299)];
}
