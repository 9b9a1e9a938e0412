/**
 * Generated blocks in Markdown: `<!-- figures:begin NAME -->` … `<!-- figures:end -->`. Everything
 * outside the markers is left byte for byte, so prose and hand-written tables survive a rerun.
 */
const BEGIN = /<!-- figures:begin ([a-z0-9-]+) -->\n/g;
const END = '<!-- figures:end -->';

export interface FigureBlock {
  name: string;
  /** Offsets of the block's content (between the begin line and the end marker). */
  start: number;
  end: number;
  content: string;
}

/** Every block of a document, in order; an unclosed, nested or repeated block is an error. */
export function parseFigureBlocks(doc: string): FigureBlock[] {
  const blocks: FigureBlock[] = [];
  let from = 0;
  for (const m of doc.matchAll(BEGIN)) {
    if (m.index < from) throw new Error(`figures block '${m[1]}' begins inside another block`);
    const start = m.index + m[0].length;
    const end = doc.indexOf(END, start);
    if (end < 0) throw new Error(`figures block '${m[1]}' has no ${END}`);
    const nested = doc.slice(start, end).match(/<!-- figures:begin ([a-z0-9-]+) -->/);
    if (nested) throw new Error(`figures block '${nested[1]}' begins inside '${m[1]}'`);
    if (blocks.some((b) => b.name === m[1])) throw new Error(`figures block '${m[1]}' appears twice`);
    blocks.push({ name: m[1], start, end, content: doc.slice(start, end) });
    from = end + END.length;
  }
  const stray = doc.slice(from).indexOf(END);
  if (stray >= 0 && !blocks.length) throw new Error(`${END} without a figures:begin`);
  return blocks;
}

/**
 * Replaces the content of the named blocks. Each new content ends with one newline; a name with
 * no block in the document, or a block with no new content, is an error (a renamed marker would
 * otherwise silently stop updating).
 */
export function replaceFigureBlocks(doc: string, contents: Readonly<Record<string, string>>): string {
  const blocks = parseFigureBlocks(doc);
  const names = new Set(blocks.map((b) => b.name));
  const missing = Object.keys(contents).filter((n) => !names.has(n));
  if (missing.length) throw new Error(`no figures block named ${missing.join(', ')}`);
  const stale = blocks.filter((b) => !(b.name in contents)).map((b) => b.name);
  if (stale.length) throw new Error(`nothing generates the figures block ${stale.join(', ')}`);
  let out = '';
  let at = 0;
  for (const b of blocks) {
    out += doc.slice(at, b.start) + `${contents[b.name]!.replace(/\n*$/, '')}\n`;
    at = b.end;
  }
  return out + doc.slice(at);
}
