/** Picks the writer from the output file's extension and writes the report atomically. */
import { extname } from 'node:path';
import { PrintshotError } from '../shared';
import { atomicWrite, atomicWriteJson } from '../workspace';
import { renderCsv } from './csv';
import { renderHtml } from './html';
import { renderPdf } from './pdf';
import type { ReportData } from './types';

export const REPORT_FORMATS = ['pdf', 'html', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function reportFormat(path: string): ReportFormat {
  const ext = extname(path).slice(1).toLowerCase();
  const format = ext === 'htm' ? 'html' : ext;
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new PrintshotError('bad-argument', `cannot tell the report format from '${path}'`, 'end --out with .pdf, .html, .csv or .json');
  }
  return format as ReportFormat;
}

export async function renderReport(data: ReportData, format: ReportFormat): Promise<Buffer | string> {
  switch (format) {
    case 'pdf':
      return renderPdf(data);
    case 'html':
      return renderHtml(data);
    case 'csv':
      return renderCsv(data);
    case 'json':
      return `${JSON.stringify(data, null, 2)}\n`;
  }
}

export async function writeReport(data: ReportData, path: string): Promise<ReportFormat> {
  const format = reportFormat(path);
  if (format === 'json') await atomicWriteJson(path, data);
  else await atomicWrite(path, await renderReport(data, format));
  return format;
}
