/** Fig. 6 panels as inline SVG for the HTML report (no scripts, no external resources). */
import { chartGeometry, legendLayout } from './chart';
import type { Fig6Panel } from './types';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const r = (v: number) => Math.round(v * 10) / 10;

export function panelSvg(panel: Fig6Panel): string {
  const g = chartGeometry(panel);
  const { plot } = g;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${g.width} ${g.height}" width="${g.width * 1.5}" height="${g.height * 1.5}" role="img" aria-label="${escapeXml(g.title)}" class="chart">`);
  parts.push(`<text x="${g.width / 2}" y="14" text-anchor="middle" class="chart-title">${escapeXml(g.title)}</text>`);
  for (const t of g.yTicks) {
    parts.push(`<line x1="${plot.x}" y1="${r(t.pos)}" x2="${plot.x + plot.w}" y2="${r(t.pos)}" class="grid"/>`);
    parts.push(`<text x="${plot.x - 4}" y="${r(t.pos + 3)}" text-anchor="end" class="tick">${t.label}</text>`);
  }
  for (const t of g.xTicks) parts.push(`<text x="${r(t.pos)}" y="${plot.y + plot.h + 11}" text-anchor="middle" class="tick">${escapeXml(t.label)}</text>`);
  parts.push(`<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" class="frame"/>`);
  parts.push(`<text x="${plot.x + plot.w / 2}" y="${plot.y + plot.h + 22}" text-anchor="middle" class="axis">${escapeXml(g.xLabel)}</text>`);
  for (const l of g.lines) {
    const dash = l.dashed ? ' stroke-dasharray="4 3"' : '';
    for (const b of l.bars) parts.push(`<line x1="${r(b.x)}" y1="${r(b.y0)}" x2="${r(b.x)}" y2="${r(b.y1)}" stroke="${l.color}" class="bar"/>`);
    const d = l.points.map((p, i) => `${i ? 'L' : 'M'}${r(p.x)} ${r(p.y)}`).join(' ');
    if (d) parts.push(`<path d="${d}" stroke="${l.color}" fill="none" stroke-width="1.5"${dash}/>`);
    l.points.forEach((p, i) =>
      parts.push(`<circle cx="${r(p.x)}" cy="${r(p.y)}" r="2.2" fill="${l.dashed ? '#fff' : l.color}" stroke="${l.color}"><title>${escapeXml(`${l.label}, ${l.titles[i]}`)}</title></circle>`),
    );
  }
  for (const e of legendLayout(g)) {
    parts.push(`<line x1="${r(e.x)}" y1="${r(e.y - 3)}" x2="${r(e.x + 16)}" y2="${r(e.y - 3)}" stroke="${e.color}" stroke-width="1.5"${e.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    parts.push(`<text x="${r(e.x + 20)}" y="${r(e.y)}" class="legend">${escapeXml(e.label)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
