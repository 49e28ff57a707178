// Small SVG charts (no chart library, no CDN): line/scatter, timeline, range bars, insole heat
// maps and bar charts with suppressed cells. Every chart returns a <figure> with a text caption.

import { t as tr } from 'shoestreet/lib/i18n/index.js';

const NS = 'http://www.w3.org/2000/svg';
const PALETTE = ['#1f5fbf', '#d1495b', '#2e7d32', '#edae49', '#6a4c93', '#00798c'];

export function svg(tag, attrs = {}, ...children) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) n.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return n;
}

function figure(title, svgNode, caption, cls = '') {
  const f = document.createElement('figure');
  f.className = 'chart ' + cls;
  f.dataset.chart = title;
  const h = document.createElement('h3');
  h.textContent = title;
  f.append(h, svgNode);
  if (caption) {
    const c = document.createElement('figcaption');
    c.className = 'muted';
    c.textContent = caption;
    f.append(c);
  }
  return f;
}

function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) { hi = lo + 1; }
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

/**
 * Line / scatter chart.
 * @param {object} o {title, series: [{name, points: [[x, y]], colour?, markers?, line?}], xLabel, yLabel, xInteger?,
 *                    band?: {lo, hi, label}, caption?, yMin?, yMax?}
 */
export function lineChart(o) {
  const W = 460, H = 240, m = { l: 48, r: 12, t: 12, b: 38 };
  const pts = o.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  if (o.band) ys.push(o.band.lo, o.band.hi);
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  let y0 = o.yMin ?? Math.min(...ys), y1 = o.yMax ?? Math.max(...ys);
  if (!pts.length) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
  if (x1 === x0) x1 = x0 + 1;
  const pad = (y1 - y0) * 0.08 || 1;
  y0 -= pad; y1 += pad;
  const X = (x) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (y) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.title });
  if (o.band) {
    root.append(svg('rect', { x: m.l, y: Y(o.band.hi), width: W - m.l - m.r, height: Math.max(0, Y(o.band.lo) - Y(o.band.hi)), fill: '#2e7d32', 'fill-opacity': 0.1 }));
  }
  for (const t of niceTicks(y0, y1)) {
    root.append(svg('line', { x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t), stroke: '#e3e3e3' }),
      svg('text', { x: m.l - 6, y: Y(t) + 4, 'text-anchor': 'end' }, t));
  }
  for (const t of niceTicks(x0, x1, 6).filter((v) => !o.xInteger || Number.isInteger(v))) root.append(svg('text', { x: X(t), y: H - m.b + 15, 'text-anchor': 'middle' }, t));
  root.append(svg('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }),
    svg('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }),
    svg('text', { x: (W + m.l) / 2, y: H - 4, 'text-anchor': 'middle' }, o.xLabel || ''),
    svg('text', { x: 12, y: (H - m.b) / 2, transform: `rotate(-90 12 ${(H - m.b) / 2})`, 'text-anchor': 'middle' }, o.yLabel || ''));
  o.series.forEach((s, i) => {
    const c = s.colour || PALETTE[i % PALETTE.length];
    const good = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (s.line !== false && good.length > 1) {
      root.append(svg('polyline', { fill: 'none', stroke: c, 'stroke-width': 1.8, points: good.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ') }));
    }
    if (s.markers) for (const p of good) root.append(svg('circle', { cx: X(p[0]), cy: Y(p[1]), r: 2.4, fill: c }));
    root.append(svg('text', { x: W - m.r - 4, y: m.t + 12 + 14 * i, 'text-anchor': 'end', fill: c, 'font-weight': 700 }, s.name || ''));
  });
  return figure(o.title, root, o.caption);
}

/** Activity timeline: coloured segments over the recording. */
export function timeline({ title, segments, caption }) {
  const W = 460, H = 90, m = { l: 10, r: 10 };
  const colours = { walking: '#1f5fbf', running: '#d1495b', standing: '#2e7d32', sitting: '#edae49', idle: '#9e9e9e', unknown: '#bdbdbd' };
  const t0 = Math.min(...segments.map((s) => s.start_s)), t1 = Math.max(...segments.map((s) => s.end_s));
  const X = (t) => m.l + ((t - t0) / ((t1 - t0) || 1)) * (W - m.l - m.r);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  for (const s of segments) {
    root.append(svg('rect', { x: X(s.start_s), y: 10, width: Math.max(1, X(s.end_s) - X(s.start_s)), height: 30, fill: colours[s.kind] || '#777' },
      svg('title', {}, `${tr(s.kind)}: ${s.start_s.toFixed(0)}–${s.end_s.toFixed(0)} s`)));
  }
  const kinds = [...new Set(segments.map((s) => s.kind))];
  kinds.forEach((k, i) => root.append(svg('rect', { x: m.l + i * 95, y: 58, width: 12, height: 12, fill: colours[k] || '#777' }),
    svg('text', { x: m.l + 16 + i * 95, y: 68 }, tr(k))));
  root.append(svg('text', { x: W - m.r, y: 86, 'text-anchor': 'end' }, `${(t1 - t0).toFixed(0)} s`));
  return figure(title, root, caption);
}

/** Care indicators: each value against its reference range. */
export function rangeBars({ title, items, caption }) {
  const W = 460, rowH = 34, H = rowH * items.length + 10, m = { l: 150, r: 92 };
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  items.forEach((it, i) => {
    const y = 8 + i * rowH;
    const lo = Number.isFinite(it.range_low) ? it.range_low : null, hi = Number.isFinite(it.range_high) ? it.range_high : null;
    const v = Number.isFinite(it.value) ? it.value : null;
    const span = [lo, hi, v].filter((x) => x !== null);
    let a = Math.min(...span), b = Math.max(...span);
    if (!(b > a)) { a = (a || 0) - 1; b = (b || 0) + 1; }
    const pad = (b - a) * 0.35;
    a -= pad; b += pad;
    const X = (x) => m.l + ((x - a) / (b - a)) * (W - m.l - m.r);
    const colour = it.status === 'within' || it.status === 'ok' || it.status === 'normal' ? '#2e7d32' : it.status === 'unknown' || v === null ? '#9e9e9e' : '#c62828';
    root.append(svg('text', { x: 4, y: y + 16 }, tr(it.label || it.name || '').slice(0, 25), svg('title', {}, `${tr(it.label || it.name)}: ${tr(it.status || '')}`)),
      svg('rect', { x: m.l, y: y + 6, width: W - m.l - m.r, height: 12, fill: '#eee', rx: 3 }));
    if (lo !== null || hi !== null) {
      const L = X(lo ?? a), R = X(hi ?? b);
      root.append(svg('rect', { x: L, y: y + 6, width: Math.max(1, R - L), height: 12, fill: '#2e7d32', 'fill-opacity': 0.25, rx: 3 }));
    }
    if (v !== null) root.append(svg('circle', { cx: X(v), cy: y + 12, r: 6, fill: colour }, svg('title', {}, `${v} ${it.unit || ''}`)));
    root.append(svg('text', { x: W - m.r + 6, y: y + 16, fill: colour, 'font-weight': 700, 'data-status': it.status || '' }, v === null ? tr('n/a') : `${+v.toFixed(1)} ${(it.unit || '').replace('steps/min', '/min').replace('% of stride', '%').replace('% of', '%').slice(0, 6)}`));
  });
  return figure(title, root, caption);
}

function heatColour(f) {
  // 0 -> pale blue, 0.5 -> yellow, 1 -> red.
  const stops = [[0, [232, 240, 250]], [0.35, [120, 190, 230]], [0.6, [250, 220, 90]], [0.8, [245, 140, 50]], [1, [200, 30, 30]]];
  f = Math.max(0, Math.min(1, f));
  for (let i = 1; i < stops.length; i++) {
    if (f <= stops[i][0]) {
      const [fa, ca] = stops[i - 1], [fb, cb] = stops[i];
      const t = (f - fa) / (fb - fa);
      return `rgb(${ca.map((c, k) => Math.round(c + t * (cb[k] - c))).join(',')})`;
    }
  }
  return 'rgb(200,30,30)';
}

function pointInPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Pressure heat map on the insole outline with the centre-of-pressure path, one insole per foot.
 * feet: [{side, values: [per sensor], cop: [[x, y]] | null}], layout: {xy_mm, outline_mm}
 * (insole frame: +x medial, +y heel to toe; drawn as a top view, left foot's medial side right).
 */
export function insoleHeatmap({ title, layout, feet, caption }) {
  const W = 460, H = 330, cell = 6;
  const ol = layout.outline_mm;
  const minX = Math.min(...ol.map((p) => p[0])), maxX = Math.max(...ol.map((p) => p[0]));
  const maxY = Math.max(...ol.map((p) => p[1]));
  const scale = (H - 40) / maxY;
  const footW = (maxX - minX) * scale;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  const all = feet.flatMap((f) => f.values).filter(Number.isFinite);
  const vmax = Math.max(1e-9, ...all);
  feet.forEach((foot, k) => {
    // Top view: for the left foot medial (+x) points to the viewer's right, for the right foot left.
    const mirror = foot.side === 'right' ? -1 : 1;
    const ox = W / 2 + (k === 0 && feet.length > 1 ? -footW * 0.75 - 10 : feet.length > 1 ? footW * 0.75 + 10 : 0);
    const P = ([x, y]) => [ox + mirror * (x - (minX + maxX) / 2) * scale, H - 24 - y * scale];
    const clipId = `insole-clip-${k}`;
    const outlinePts = ol.map((q) => P(q).map((c) => c.toFixed(1)).join(',')).join(' ');
    root.append(svg('clipPath', { id: clipId }, svg('polygon', { points: outlinePts })));
    const g = svg('g', { 'data-side': foot.side });
    const heat = svg('g', { 'clip-path': `url(#${clipId})` });
    g.append(heat);
    const xy = layout.xy_mm;
    for (let gx = minX; gx <= maxX; gx += cell / scale * 1.0) {
      for (let gy = 0; gy <= maxY; gy += cell / scale) {
        if (!pointInPolygon(gx, gy, ol) && !pointInPolygon(gx + cell / scale, gy + cell / scale, ol) && !pointInPolygon(gx - cell / scale, gy - cell / scale, ol)) continue;
        // Inverse-distance weighting of the sensor values (power 2).
        let num = 0, den = 0;
        for (let s = 0; s < xy.length; s++) {
          const v = foot.values[s];
          if (!Number.isFinite(v)) continue;
          const d2 = (gx - xy[s][0]) ** 2 + (gy - xy[s][1]) ** 2 + 25;
          num += v / d2; den += 1 / d2;
        }
        const [px, py] = P([gx, gy]);
        heat.append(svg('rect', { x: (px - cell / 2).toFixed(1), y: (py - cell / 2).toFixed(1), width: cell + 0.3, height: cell + 0.3, fill: heatColour(den ? num / den / vmax : 0) }));
      }
    }
    g.append(svg('polygon', { points: outlinePts, fill: 'none', stroke: '#333', 'stroke-width': 1.5 }));
    for (let s = 0; s < xy.length; s++) {
      const [px, py] = P(xy[s]);
      g.append(svg('circle', { cx: px, cy: py, r: 2, fill: '#222', 'fill-opacity': 0.6 }));
    }
    if (foot.cop && foot.cop.length > 1) {
      g.append(svg('polyline', { class: 'cop-path', points: foot.cop.filter((p) => p.every(Number.isFinite)).map((p) => P(p).map((c) => c.toFixed(1)).join(',')).join(' '), fill: 'none', stroke: '#111', 'stroke-width': 2.2, 'stroke-dasharray': '5 3' }));
    }
    g.append(svg('text', { x: ox, y: H - 6, 'text-anchor': 'middle', 'font-weight': 700 }, tr(`${foot.side} foot`)));
    root.append(g);
  });
  return figure(title, root, caption);
}

/**
 * Bar chart of released counts; suppressed cells are hatched and labelled "suppressed".
 * bars: [{label, value | null, suppressed: bool}]
 */
export function barChart({ title, bars, caption, yLabel = tr('people') }) {
  const W = 460, H = 250, m = { l: 44, r: 8, t: 10, b: 64 };
  const vals = bars.filter((b) => !b.suppressed && Number.isFinite(b.value)).map((b) => b.value);
  const vmax = Math.max(10, ...vals);
  const bw = (W - m.l - m.r) / Math.max(1, bars.length);
  const Y = (v) => H - m.b - (v / vmax) * (H - m.t - m.b);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title },
    svg('defs', {}, svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, fill: '#f1f1f1' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#9e9e9e', 'stroke-width': 2 }))));
  for (const t of niceTicks(0, vmax)) root.append(svg('line', { x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t), stroke: '#eee' }), svg('text', { x: m.l - 4, y: Y(t) + 4, 'text-anchor': 'end' }, t));
  bars.forEach((b, i) => {
    const x = m.l + i * bw + 1;
    if (b.suppressed || !Number.isFinite(b.value)) {
      root.append(svg('rect', { class: 'suppressed-cell', 'data-suppressed': 'true', x, y: m.t, width: Math.max(1, bw - 2), height: H - m.t - m.b, fill: 'url(#hatch)' },
        svg('title', {}, `${b.label}: ${tr('suppressed (too few people to release)')}`)));
      if (bw > 9) root.append(svg('text', { x: x + bw / 2, y: m.t + 40, transform: `rotate(-90 ${x + bw / 2} ${m.t + 40})`, 'text-anchor': 'end', fill: '#666' }, tr('suppressed')));
    } else {
      root.append(svg('rect', { x, y: Y(Math.max(0, b.value)), width: Math.max(1, bw - 2), height: Math.max(0, H - m.b - Y(Math.max(0, b.value))), fill: '#1f5fbf', 'data-value': b.value },
        svg('title', {}, `${b.label}: ${b.value}`)));
    }
    root.append(svg('text', { x: x + bw / 2, y: H - m.b + 8, transform: `rotate(55 ${x + bw / 2} ${H - m.b + 8})`, 'font-size': 9 }, String(b.label).slice(0, 14)));
  });
  root.append(svg('text', { x: 10, y: (H - m.b) / 2, transform: `rotate(-90 10 ${(H - m.b) / 2})`, 'text-anchor': 'middle' }, yLabel));
  return figure(title, root, caption);
}
