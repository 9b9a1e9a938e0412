/** Printable sheets: layout (mm), marker payloads, layout-file schema. PDF rendering and file reading: ./node. */
export * from './types';
export * from './geometry';
export * from './payload';
export { layoutSheets, type LayoutOptions, type SheetImageRef } from './layout';
export { SheetLayoutSchema, parseSheetLayouts } from './layout-file';
