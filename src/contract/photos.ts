/**
 * capture:photos: the experiment's registered photos as the workbench shows them, read from disk
 * (captures/captures.json, the run manifests) so they come back after a reload. Each accepted photo
 * carries its marker quads (photo px) and its rectified page; each registered cell its clean /
 * adversarial / photo-crop triptych with top-5 predictions (the photo crop's from the loaded model,
 * null when none is loaded or it is not the experiment's model).
 */
import { z } from 'zod';
import { ChannelCompareDto } from './channel-compare';
import { Bytes, RankedClassDto } from './dto';

export const CapturePhotosRequest = z.strictObject({
  /** Classify the photo crops (false: counts, overlays and images only, e.g. for the Capture view). */
  predict: z.boolean().default(true),
});

const Point = z.object({ x: z.number(), y: z.number() });

export const RegisteredPhotoDto = z.object({
  id: z.string(),
  /** The photo as taken (relative to the experiment), or null when it could not be kept. */
  original: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  sheetId: z.string().nullable(),
  /** Corner markers found in the photo: corner 0–3 (TL, TR, BR, BL of the page), symbol corners in px. */
  markerQuads: z.array(z.object({ corner: z.number().int(), corners: z.array(Point) })),
  /** The page rectified head-on (PNG), or null for photos registered before it was kept. */
  rectified: z.string().nullable(),
  cells: z.number().int(),
  reprojectionMaxMm: z.number().nullable(),
  condition: z.record(z.string(), z.string()).nullable(),
  registeredAt: z.string(),
});
export type RegisteredPhotoDto = z.infer<typeof RegisteredPhotoDto>;

export const PhotoCellDto = z.object({
  photo: z.string(),
  cell: z.number().int(),
  role: z.enum(['clean', 'adversarial', 'image']),
  relPath: z.string(),
  label: z.number().int(),
  labelName: z.string(),
  /** The attack run of the cell's pair ("fgsm eps=16"), or null for a cell of no run. */
  runLabel: z.string().nullable(),
  /** The digital images of the pair as printed (null when the run or file is gone). */
  clean: Bytes.nullable(),
  adversarial: Bytes.nullable(),
  /** The rectified crop of this cell from the photo. */
  photoCrop: Bytes,
  cleanTop5: z.array(RankedClassDto).nullable(),
  advTop5: z.array(RankedClassDto).nullable(),
  photoTop5: z.array(RankedClassDto).nullable(),
});
export type PhotoCellDto = z.infer<typeof PhotoCellDto>;

export const CapturePhotosDto = z.object({
  /** Accepted photos in captures.json (all sessions); rejected and duplicate ones are counted apart. */
  accepted: z.number().int(),
  rejected: z.number().int(),
  duplicates: z.number().int(),
  photos: z.array(RegisteredPhotoDto),
  cells: z.array(PhotoCellDto),
  /** Why photo-crop predictions are missing, when they are. */
  note: z.string().nullable(),
  /** Photographed vs simulated destruction rates per run (printshot channel compare); null until compared. */
  channelCompare: ChannelCompareDto.nullable().optional(),
});
export type CapturePhotosDto = z.infer<typeof CapturePhotosDto>;
