/**
 * Reading FILE.layout.json back (registration, the simulator, the desktop app). The file is a
 * JSON array of SheetLayout, one per PDF page, written by writeSheetsPdf. It is validated here
 * so a hand-edited or truncated file is one clear error, not a crash deep in a homography.
 */
import { z } from 'zod';
import { PrintshotError } from '../shared';
import type { SheetLayout } from './types';

const mm = z.number().finite();
const rgb = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);

export const SheetLayoutSchema = z.object({
  schemaVersion: z.literal(1),
  experimentId: z.string().min(12),
  sheetId: z.string().regex(/^[0-9A-Z]{1,16}$/),
  sheetIndex: z.number().int().nonnegative(),
  sheetCount: z.number().int().positive(),
  paper: z.object({ name: z.enum(['a4', 'letter']), orientation: z.enum(['portrait', 'landscape']), widthMm: mm.positive(), heightMm: mm.positive() }),
  marginMm: mm.nonnegative(),
  dpi: z.number().positive().optional(),
  dotsPerPixel: z.number().int().positive().optional(),
  header: z.array(z.string()),
  markers: z
    .array(z.object({ corner: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]), xMm: mm, yMm: mm, modules: z.number().int().positive(), moduleMm: mm.positive(), payload: z.string().min(1) }))
    .length(4),
  cells: z.array(
    z.object({
      index: z.number().int().nonnegative(),
      xMm: mm,
      yMm: mm,
      widthMm: mm.positive(),
      heightMm: mm.positive(),
      pixelWidth: z.number().int().positive(),
      pixelHeight: z.number().int().positive(),
      role: z.enum(['clean', 'adversarial', 'image']),
      pair: z.number().int().nonnegative().optional(),
      relPath: z.string(),
      file: z.string(),
      sha256: z.string(),
      label: z.number().int(),
      run: z.string().optional(),
    }),
  ),
  calibration: z.array(z.object({ xMm: mm, yMm: mm, sizeMm: mm.positive(), rgb })).optional(),
  createdAt: z.string(),
});

// Compile-time check that the schema and the contract in types.ts describe the same thing.
type Parsed = z.infer<typeof SheetLayoutSchema>;
const _sameShape: [Parsed extends SheetLayout ? true : false, SheetLayout extends Parsed ? true : false] = [true, true];
void _sameShape;

/** Parses the content of a layout file; throws 'bad-experiment' naming `name` if invalid. */
export function parseSheetLayouts(json: unknown, name = 'layout'): SheetLayout[] {
  const parsed = z.array(SheetLayoutSchema).min(1).safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new PrintshotError('bad-experiment', `${name}: not a valid sheet layout (${i.path.join('.') || '(root)'}: ${i.message})`);
  }
  const sheets = parsed.data as SheetLayout[];
  if (sheets.some((s, k) => s.sheetIndex !== k || s.sheetCount !== sheets.length)) {
    throw new PrintshotError('bad-experiment', `${name}: sheets are not numbered 0..${sheets.length - 1} of ${sheets.length}`);
  }
  return sheets;
}
