/**
 * The sheet layout: everything registration needs to map a photo of a printed sheet back to
 * its cells, in millimetres on the page (origin top-left, x right, y down). It is written as
 * JSON beside the PDF (sheets/<name>.layout.json) and is the contract between src/sheets
 * (which makes it) and src/registration and src/simulate (which read it).
 */
export type Corner = 0 | 1 | 2 | 3; // 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left

export interface MarkerPlacement {
  corner: Corner;
  /** Top-left of the QR symbol's first module (excluding the quiet zone), in mm. */
  xMm: number;
  yMm: number;
  /** Modules per side (e.g. 21 for version 1) and the size of one module in mm. */
  modules: number;
  moduleMm: number;
  /** The text the QR code encodes (see encodeMarkerPayload). */
  payload: string;
}

export interface CellPlacement {
  index: number;
  xMm: number;
  yMm: number;
  widthMm: number;
  heightMm: number;
  /** Source image pixel size; a rectified crop is resampled to this size. */
  pixelWidth: number;
  pixelHeight: number;
  role: 'clean' | 'adversarial' | 'image';
  /** Pair number when cells come in clean/adversarial pairs. */
  pair?: number;
  /** Image identity: dataset relPath, the file relative to the experiment root, sha256, label. */
  relPath: string;
  file: string;
  sha256: string;
  label: number;
  /** Run folder for adversarial cells, e.g. 'adversarial/fgsm-eps16'. */
  run?: string;
}

export interface CalibrationPatch {
  xMm: number;
  yMm: number;
  sizeMm: number;
  rgb: [number, number, number];
}

export interface SheetLayout {
  schemaVersion: 1;
  /** Experiment id (uuid) the sheet belongs to; registration rejects sheets of other experiments. */
  experimentId: string;
  /** Unique id of this sheet (used in the marker payload). */
  sheetId: string;
  sheetIndex: number;
  sheetCount: number;
  paper: { name: 'a4' | 'letter'; orientation: 'portrait' | 'landscape'; widthMm: number; heightMm: number };
  marginMm: number;
  /** Physical resolution when cells were sized by printer dpi × dots per image pixel. */
  dpi?: number;
  dotsPerPixel?: number;
  header: string[];
  markers: MarkerPlacement[];
  cells: CellPlacement[];
  calibration?: CalibrationPatch[];
  createdAt: string;
}
