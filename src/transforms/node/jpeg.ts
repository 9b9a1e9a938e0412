/**
 * The Node JPEG codec: sharp / libvips, loaded on first use (the CLI starts without sharp).
 * Encoder settings are all set explicitly so results do not drift with sharp defaults:
 * - chroma subsampling 4:2:0 for RGB (the libjpeg / PIL / TensorFlow default the paper's pipeline
 *   most plausibly used); grayscale images are encoded as 1-channel JPEG, so there is no chroma;
 * - quantisation table 0 (the standard Annex K tables that the IJG quality 1..100 scale refers
 *   to), baseline (not progressive), no mozjpeg presets, no trellis quantisation, no overshoot
 *   deringing. sharp's '4:2:0' forces subsampling on at every quality (libvips' own default would
 *   turn it off above quality 90).
 */
import { makeImage8, type Image8 } from '../../shared';
import type { JpegCodec } from '../../shared/platform';

export const JPEG_CHROMA_SUBSAMPLING = '4:2:0';

const loadSharp = async () => (await import('sharp')).default;

export const sharpJpegCodec: JpegCodec = {
  async encode(image: Image8, quality: number): Promise<Uint8Array> {
    const sharp = await loadSharp();
    const { width, height, channels } = image;
    let enc = sharp(image.data, { raw: { width, height, channels: channels as 1 | 3 } });
    // Without this sharp promotes a 1-channel raw input to a 3-channel sRGB JPEG.
    if (channels === 1) enc = enc.toColourspace('b-w');
    return enc
      .jpeg({
        quality,
        chromaSubsampling: JPEG_CHROMA_SUBSAMPLING,
        quantisationTable: 0,
        progressive: false,
        mozjpeg: false,
        trellisQuantisation: false,
        overshootDeringing: false,
        optimiseScans: false,
      })
      .toBuffer();
  },
  async decode(bytes: Uint8Array, channels: 1 | 3): Promise<Image8> {
    const sharp = await loadSharp();
    let dec = sharp(bytes);
    // libvips decodes a grayscale JPEG to 3 identical channels; channel 0 is the exact gray value.
    if (channels === 1) dec = dec.extractChannel(0);
    const { data, info } = await dec.raw().toBuffer({ resolveWithObject: true });
    return makeImage8(info.width, info.height, info.channels as 1 | 3, new Uint8Array(data.buffer, data.byteOffset, data.length).slice());
  },
};
