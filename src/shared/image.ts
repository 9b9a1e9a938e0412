/**
 * An 8-bit image in memory, row-major, channels interleaved (HWC). This is what is read from
 * and written to PNG/JPEG and what crosses process boundaries; tensors never do.
 */
export interface Image8 {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array;
}

export function makeImage8(width: number, height: number, channels: 1 | 3 | 4, data?: Uint8Array): Image8 {
  const size = width * height * channels;
  if (data && data.length !== size) {
    throw new RangeError(`image data has ${data.length} bytes, expected ${width}x${height}x${channels} = ${size}`);
  }
  return { width, height, channels, data: data ?? new Uint8Array(size) };
}

/** An image with its ground-truth class index and the path it came from (relative to its root). */
export interface LabeledImage {
  readonly image: Image8;
  readonly label: number;
  readonly relPath: string;
}
