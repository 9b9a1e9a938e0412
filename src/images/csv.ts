/**
 * Just enough CSV for labels.csv: comma-separated, optional RFC 4180 quoting ("a,b" and "" for
 * a quote) so file and label names may contain commas. A quoted field may not span lines;
 * labels.csv rows are one file each, and a stray quote is far likelier a typo than a newline.
 */
import { PrintshotError } from '../shared';

export interface CsvRow {
  /** 1-based line number in the file, for error messages. */
  line: number;
  fields: string[];
}

/** Parses CSV text; blank lines are skipped, a UTF-8 BOM (Excel) is dropped. */
export function parseCsv(text: string, name: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    rows.push({ line: i + 1, fields: parseLine(raw, `${name}:${i + 1}`) });
  });
  return rows;
}

function parseLine(line: string, where: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    // Spaces before an opening quote are tolerated ("file, label" style).
    let j = i;
    while (line[j] === ' ' || line[j] === '\t') j++;
    if (line[j] === '"') {
      i = j + 1;
      for (;;) {
        if (i >= line.length) throw new PrintshotError('bad-dataset', `${where}: unterminated quoted field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') {
        throw new PrintshotError('bad-dataset', `${where}: unexpected text after a quoted field`);
      }
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end < 0 ? line.length : end);
      if (field.includes('"')) throw new PrintshotError('bad-dataset', `${where}: a field with a quote (") must itself be quoted`);
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // skip the comma
  }
}
