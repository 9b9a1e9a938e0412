/**
 * `npm run docs:figures`: the marker parser/replacer leaves everything outside the blocks byte for
 * byte and refuses malformed or stale markers; the renderers give known answers on a hand-made
 * report; and the committed docs hold exactly the blocks the script fills.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFigureBlocks, replaceFigureBlocks } from '../../../scripts/docs-figures/markers';
import { DOC_BLOCKS, fig6MaxMd, fig6MeanLine, reportTableMd } from '../../../scripts/docs-figures/render';
import type { Cell, Fig6Panel, ReportData, ReportTable } from '../../../src/reports/types';
import { ROOT } from '../cli/run-cli';

const doc = ['# Title', '', 'Prose | with a pipe.', '<!-- figures:begin a -->', 'old a', '<!-- figures:end -->', 'middle', '<!-- figures:begin b-2 -->', '<!-- figures:end -->', 'end', ''].join('\n');

describe('figures markers', () => {
  it('replaces block contents only, byte for byte elsewhere, and is idempotent', () => {
    const out = replaceFigureBlocks(doc, { a: 'new a\nline 2\n\n', 'b-2': 'B' });
    expect(out).toBe(doc.replace('old a\n', 'new a\nline 2\n').replace('begin b-2 -->\n', 'begin b-2 -->\nB\n'));
    expect(replaceFigureBlocks(out, { a: 'new a\nline 2', 'b-2': 'B' })).toBe(out);
    expect(parseFigureBlocks(out).map((b) => [b.name, b.content])).toEqual([['a', 'new a\nline 2\n'], ['b-2', 'B\n']]);
  });

  it('refuses an unknown name, a block nothing fills, an unclosed, nested or repeated block', () => {
    expect(() => replaceFigureBlocks(doc, { a: 'x', 'b-2': 'y', c: 'z' })).toThrow("no figures block named c");
    expect(() => replaceFigureBlocks(doc, { a: 'x' })).toThrow('nothing generates the figures block b-2');
    expect(() => parseFigureBlocks('<!-- figures:begin a -->\ntext\n')).toThrow("'a' has no <!-- figures:end -->");
    expect(() => parseFigureBlocks('<!-- figures:begin a -->\n<!-- figures:begin b -->\n<!-- figures:end -->\n')).toThrow("'b' begins inside 'a'");
    expect(() => parseFigureBlocks('<!-- figures:begin a -->\n<!-- figures:end -->\n<!-- figures:begin a -->\n<!-- figures:end -->\n')).toThrow("'a' appears twice");
  });

  it('the committed docs hold exactly the blocks the script generates', () => {
    for (const [file, names] of Object.entries(DOC_BLOCKS)) {
      const text = readFileSync(join(ROOT, 'docs', file), 'utf8');
      expect(parseFigureBlocks(text).map((b) => b.name), file).toEqual([...names]);
    }
  });
});

const pct = (numerator: number, denominator: number): Cell => ({ value: denominator ? numerator / denominator : null, format: 'pct', numerator, denominator });

function panel(transform: string, xs: number[], rates: Record<string, [number, number][]>): Fig6Panel {
  return {
    transform,
    title: transform,
    param: 'v',
    paperRange: { min: xs[0]!, max: xs.at(-1)! },
    series: Object.entries(rates).flatMap(([method, r]) =>
      (['top1', 'top5'] as const).map((k, i) => ({ run: method, method, eps: 16, k, points: xs.map((x, j) => ({ x, rate: pct(r[j]![i]!, 10) })) })),
    ),
  };
}

describe('figures renderers', () => {
  const data = {
    fig6: {
      eps: 16,
      panels: [
        panel('jpeg', [10, 50, 90], { fgsm: [[5, 9], [2, 3], [0, 1]], illc: [[8, 10], [4, 4], [1, 2]] }),
        panel('blur', [1, 2], { fgsm: [[1, 2], [3, 2]], illc: [[6, 6], [7, 7]] }),
      ],
    },
  } as unknown as ReportData;

  it('Fig. 6: the maximum over each sweep, top-1 / top-5, one column per method', () => {
    expect(fig6MaxMd(data).split('\n')).toEqual([
      '| transform (swept values) | fast | l.l. class |',
      '| --- | --- | --- |',
      '| jpeg, v 10…90 | 50.0% / 90.0% | 80.0% / 100.0% |',
      '| blur, v 1…2 | 30.0% / 20.0% | 70.0% / 70.0% |',
    ]);
  });

  it('Fig. 6: the mean over every setting of every sweep', () => {
    // fast top-1: (5+2+0+1+3)/5 = 2.2 of 10; top-5: (9+3+1+2+2)/5 = 3.4; l.l.: 26/5 = 5.2, 29/5 = 5.8.
    expect(fig6MeanLine(data)).toBe('Mean over all 5 transform settings at eps 16, top-1 / top-5: fast 22.0% / 34.0%, l.l. class 52.0% / 58.0%.');
  });

  it('a report table: chosen columns, % on rates, — for an empty cell, pipes escaped', () => {
    const t: ReportTable = {
      id: 'digital',
      number: 'Digital',
      title: 'Digital',
      columns: [
        { key: 'clean1', group: 'Clean', label: 'top-1' },
        { key: 'adv1', group: 'Adversarial', label: 'top-1' },
        { key: 'l2', label: 'L2 mean' },
      ],
      rows: [
        { key: 'r1', label: 'fgsm | eps=16', cells: { clean1: pct(183, 200), adv1: pct(0, 0), l2: { value: 349.41, format: 'num' } } },
      ],
    } as unknown as ReportTable;
    expect(reportTableMd(t).split('\n')).toEqual([
      '| run | Clean top-1 | Adversarial top-1 | L2 mean |',
      '| --- | --- | --- | --- |',
      '| fgsm \\| eps=16 | 91.5% | — | 349 |',
    ]);
    expect(reportTableMd(t, ['adv1', 'clean1']).split('\n')[0]).toBe('| run | Adversarial top-1 | Clean top-1 |');
    expect(() => reportTableMd(t, ['nope'])).toThrow('table digital has no column nope');
  });
});
