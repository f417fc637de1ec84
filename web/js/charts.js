// Hand-made SVG charts, drawn at the container's real width (so text keeps its size on a
// phone and on a desktop) and redrawn on resize. Every chart has a text alternative
// (aria-label) and its numbers in a table under "Show as a table".

import { h, L, fmtNumber } from './core.js';

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const PALETTE = ['#8c1c13', '#0b4f8a', '#17603a', '#7a4a00', '#47256e', '#005f73', '#4a5058', '#a0341f', '#2f6f9f', '#5b7f2a', '#6d2f6f'];

const pct = (part, whole) => (whole > 0 ? `${((100 * part) / whole).toFixed(1).replace('.', L(',', '.'))}%` : '–');

function widthOf(el) {
  return Math.max(280, Math.floor(el.clientWidth || 600));
}

/** The numbers of a chart as a table (for screen readers, and anyone who prefers them). */
function table(caption, head, rows) {
  return h('details', {},
    h('summary', {}, L('Lihat sebagai tabel', 'Show as a table')),
    h('div', { class: 'scroll-x' }, h('table', {},
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, head.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => (i ? h('td', { class: 'num' }, c) : h('th', { scope: 'row' }, c)))))))));
}

function describe(rows, total) {
  return rows.map((r) => `${r.label}: ${fmtNumber(r.value)}${total ? ` (${pct(r.value, total)})` : ''}`).join('; ');
}

/** Horizontal bars, one row per item: the label above its bar, the number after it. */
export function bars(plot, { title, rows, total }) {
  const width = widthOf(plot);
  const rowH = 44;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const valueRoom = 116;
  const barMax = width - valueRoom;
  const height = rows.length * rowH + 4;
  const svg = s('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${title}. ${describe(rows, total)}`,
  });
  rows.forEach((r, i) => {
    const y = i * rowH;
    const w = r.value > 0 ? Math.max(3, (barMax * r.value) / max) : 0;
    svg.append(
      s('text', { x: 0, y: y + 15, 'font-size': 14 }, r.label),
      s('rect', { x: 0, y: y + 21, width: barMax, height: 16, fill: '#eef0f3', rx: 3 }),
      s('rect', { x: 0, y: y + 21, width: w, height: 16, fill: r.color || PALETTE[0], rx: 3, 'data-value': r.value }),
      s('text', { x: barMax + 8, y: y + 34, 'font-size': 14, 'font-weight': 700 },
        `${fmtNumber(r.value)}${total ? ` · ${pct(r.value, total)}` : ''}`),
    );
  });
  plot.replaceChildren(svg, table(title, [L('Kelompok', 'Group'), L('Jumlah', 'Count'), '%'],
    rows.map((r) => [r.label, fmtNumber(r.value), pct(r.value, total)])));
}

/** Columns over time (months), with the count on top of each column. */
export function columns(plot, { title, rows }) {
  const width = widthOf(plot);
  const height = 240;
  const top = 24;
  const bottom = 40;
  const left = 36;
  const chartH = height - top - bottom;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const nice = Math.ceil(max / step) * step;
  const svg = s('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': rows.length ? `${title}. ${describe(rows)}` : `${title}. ${L('Belum ada data.', 'No data yet.')}`,
  });
  for (const f of nice % 2 === 0 ? [0, 0.5, 1] : [0, 1]) {
    const y = top + chartH * (1 - f);
    svg.append(
      s('line', { x1: left, x2: width, y1: y, y2: y, class: f ? 'grid' : 'axis' }),
      s('text', { x: left - 6, y: y + 4, 'font-size': 12, 'text-anchor': 'end' }, fmtNumber(Math.round(nice * f))),
    );
  }
  if (!rows.length) {
    svg.append(s('text', { x: (left + width) / 2, y: top + chartH / 2, 'font-size': 14, 'text-anchor': 'middle' }, L('Belum ada laporan.', 'No reports yet.')));
  }
  const slot = (width - left) / Math.max(rows.length, 1);
  const colW = Math.min(56, slot * 0.7);
  const every = Math.ceil(rows.length / Math.max(1, Math.floor((width - left) / 64)));
  rows.forEach((r, i) => {
    const x = left + slot * i + (slot - colW) / 2;
    const hgt = (chartH * r.value) / nice;
    svg.append(
      s('rect', { x, y: top + chartH - hgt, width: colW, height: hgt, fill: PALETTE[1], rx: 2, 'data-value': r.value }),
      s('text', { x: x + colW / 2, y: top + chartH - hgt - 6, 'font-size': 13, 'font-weight': 700, 'text-anchor': 'middle' }, fmtNumber(r.value)),
    );
    if (i % every === 0) {
      svg.append(s('text', { x: x + colW / 2, y: height - bottom + 18, 'font-size': 12, 'text-anchor': 'middle' }, r.short || r.label));
    }
  });
  plot.replaceChildren(svg, table(title, [L('Bulan', 'Month'), L('Laporan masuk', 'Reports submitted')],
    rows.map((r) => [r.label, fmtNumber(r.value)])));
}

/** A ring of shares with a legend that spells out each number (colour is never the only cue). */
export function donut(plot, { title, rows, total }) {
  const width = widthOf(plot);
  const size = Math.min(200, width);
  const r = size / 2 - 8;
  const cx = size / 2;
  const cy = size / 2;
  const svg = s('svg', {
    width: size, height: size, viewBox: `0 0 ${size} ${size}`, role: 'img',
    'aria-label': `${title}. ${describe(rows, total)}`,
  });
  const ring = 30;
  svg.append(s('circle', { cx, cy, r: r - ring / 2, fill: 'none', stroke: '#eef0f3', 'stroke-width': ring }));
  let angle = -Math.PI / 2;
  for (const row of rows) {
    if (!total || !row.value) continue;
    const sweep = (2 * Math.PI * row.value) / total;
    const rr = r - ring / 2;
    if (sweep >= 2 * Math.PI - 1e-6) {
      svg.append(s('circle', { cx, cy, r: rr, fill: 'none', stroke: row.color, 'stroke-width': ring, 'data-value': row.value }));
    } else {
      const x1 = cx + rr * Math.cos(angle);
      const y1 = cy + rr * Math.sin(angle);
      const x2 = cx + rr * Math.cos(angle + sweep);
      const y2 = cy + rr * Math.sin(angle + sweep);
      svg.append(s('path', {
        d: `M ${x1.toFixed(2)} ${y1.toFixed(2)} A ${rr} ${rr} 0 ${sweep > Math.PI ? 1 : 0} 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`,
        fill: 'none', stroke: row.color, 'stroke-width': ring, 'data-value': row.value,
      }));
    }
    angle += sweep;
  }
  svg.append(
    s('text', { x: cx, y: cy + 2, 'font-size': 24, 'font-weight': 700, 'text-anchor': 'middle' }, fmtNumber(total)),
    s('text', { x: cx, y: cy + 22, 'font-size': 12, 'text-anchor': 'middle' }, L('laporan', 'reports')),
  );
  const legend = h('ul', { class: 'legend' }, rows.map((row) => h('li', {},
    h('span', { class: 'swatch', 'data-color': row.color }), `${row.label}: ${fmtNumber(row.value)} (${pct(row.value, total)})`)));
  for (const sw of legend.querySelectorAll('.swatch')) sw.style.background = sw.dataset.color;
  plot.replaceChildren(h('div', { class: 'donut' }, svg, legend),
    table(title, [L('Saluran', 'Channel'), L('Jumlah', 'Count'), '%'], rows.map((x) => [x.label, fmtNumber(x.value), pct(x.value, total)])));
}

/** One bar split into parts that add up to a whole (e.g. within / late / overdue). */
export function stack(plot, { title, parts, whole }) {
  const width = widthOf(plot);
  const height = 44;
  const svg = s('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `${title}. ${describe(parts, whole)}`,
  });
  svg.append(s('rect', { x: 0, y: 4, width, height: 32, fill: '#eef0f3', rx: 4 }));
  let x = 0;
  for (const p of parts) {
    if (!whole || !p.value) continue;
    const w = (width * p.value) / whole;
    svg.append(s('rect', { x, y: 4, width: w, height: 32, fill: p.color, 'data-value': p.value }));
    if (w > 52) svg.append(s('text', { x: x + w / 2, y: 25, 'font-size': 13, 'font-weight': 700, 'text-anchor': 'middle', class: 'on-dark' }, pct(p.value, whole)));
    x += w;
  }
  const legend = h('ul', { class: 'legend' }, parts.map((p) => h('li', {},
    h('span', { class: 'swatch', 'data-color': p.color }), `${p.label}: ${fmtNumber(p.value)} (${pct(p.value, whole)})`)));
  for (const sw of legend.querySelectorAll('.swatch')) sw.style.background = sw.dataset.color;
  plot.replaceChildren(svg, legend,
    table(title, [L('Bagian', 'Part'), L('Jumlah', 'Count'), '%'], parts.map((p) => [p.label, fmtNumber(p.value), pct(p.value, whole)])));
}
