/** The sheets module for Node callers: everything in ../index.ts plus PDF rendering and layout files on disk. */
export * from '../index';
export { renderSheetsPdf, writeSheetsPdf, layoutPathFor, sheetPng, cellLabel, mmToPt, SHEET_FONT_PATH, type RenderOptions, type WrittenSheets } from './pdf';
export { readSheetLayouts } from './layout-file';
