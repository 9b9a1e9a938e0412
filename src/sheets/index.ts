/** Printable sheets: layout (mm), marker payloads, PDF rendering, layout files. */
export * from './types';
export * from './geometry';
export * from './payload';
export { layoutSheets, type LayoutOptions, type SheetImageRef } from './layout';
export { renderSheetsPdf, writeSheetsPdf, layoutPathFor, sheetPng, cellLabel, mmToPt, SHEET_FONT_PATH, type RenderOptions, type WrittenSheets } from './pdf';
export { SheetLayoutSchema, parseSheetLayouts, readSheetLayouts } from './layout-file';
