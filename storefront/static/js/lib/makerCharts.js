// Charts and files of the makers' shape statistics (issue 14): quantile bands per length bin,
// girth-on-length lines per sex, and the client-side CSV of a release already made (same
// columns as the API's CSV, so exporting does not spend privacy budget a second time).
// Withheld bins and groups are never drawn as values: they are listed with their reason.
import { svg } from 'shoestreet/lib/charts.js';
import { t } from 'shoestreet/lib/i18n/index.js';

const BAND_OUTER = '#9ec5f0';
const BAND_INNER = '#4f8fd8';
const MEDIAN = '#0d3b7a';
const SEX_COLOUR = { female: '#d1495b', male: '#1f5fbf', other: '#2e7d32', unknown: '#6a4c93' };

function figure(title, node, caption) {
  const f = document.createElement('figure');
  f.className = 'chart';
  f.dataset.chart = title;
  const h = document.createElement('h3');
  h.textContent = title;
  f.append(h, node);
  if (caption) {
    const c = document.createElement('figcaption');
    c.className = 'muted';
    c.textContent = caption;
    f.append(c);
  }
  return f;
}

function ticks(lo, hi, n = 5) {
  const step0 = (hi - lo) / n || 1;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

/** Lower edge (mm) of a "260-265" length bin, NaN for anything else. */
export const binLow = (b) => parseInt(String(b), 10);

/**
 * The bins worth drawing: from the first to the last released one (withheld bins in between
 * stay, marked as withheld; the empty tails of the 100-350 mm range are left out).
 */
export function releasedSpan(bins) {
  const sorted = [...bins].sort((a, b) => binLow(a.length_bin) - binLow(b.length_bin));
  const idx = sorted.map((b, i) => (b.quantiles_mm ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return [];
  return sorted.slice(idx[0], idx[idx.length - 1] + 1);
}

/**
 * Quantile bands per 5 mm length bin: 5-95 % outer band, 25-75 % inner band, the median as a
 * line with one marker per released bin (data-bin, data-median carry the released values).
 */
export function quantileBandChart({ title, bins, yLabel, caption }) {
  const W = 460, H = 260, m = { l: 48, r: 10, t: 12, b: 44 };
  const shown = releasedSpan(bins);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'maker-quantiles' });
  if (!shown.length) return figure(title, root, caption);
  const vals = shown.flatMap((b) => (b.quantiles_mm ? Object.values(b.quantiles_mm) : [])).filter(Number.isFinite);
  let y0 = Math.min(...vals), y1 = Math.max(...vals);
  const pad = (y1 - y0) * 0.08 || 2;
  y0 -= pad; y1 += pad;
  const n = shown.length;
  const bw = (W - m.l - m.r) / n;
  const X = (i) => m.l + (i + 0.5) * bw;
  const Y = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  for (const v of ticks(y0, y1)) {
    root.append(svg('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), stroke: '#e6e6e6' }),
      svg('text', { x: m.l - 5, y: Y(v) + 4, 'text-anchor': 'end' }, v));
  }
  const every = Math.max(1, Math.ceil(n / 9));
  const medians = [];
  shown.forEach((b, i) => {
    const x = X(i);
    if (i % every === 0) root.append(svg('text', { x, y: H - m.b + 14, 'text-anchor': 'middle' }, binLow(b.length_bin)));
    const q = b.quantiles_mm;
    if (!q) {
      root.append(svg('rect', { class: 'withheld-bin', 'data-bin': b.length_bin, 'data-withheld': 'true', x: x - bw / 2 + 1, y: m.t, width: Math.max(1, bw - 2), height: H - m.t - m.b, fill: '#f1f1f1' },
        svg('title', {}, `${b.length_bin} mm: ${t('withheld')}`)));
      return;
    }
    const w = Math.max(2, bw * 0.7);
    root.append(
      svg('rect', { x: x - w / 2, y: Y(q.p95), width: w, height: Math.max(1, Y(q.p05) - Y(q.p95)), fill: BAND_OUTER, 'fill-opacity': 0.6 }),
      svg('rect', { x: x - w / 2, y: Y(q.p75), width: w, height: Math.max(1, Y(q.p25) - Y(q.p75)), fill: BAND_INNER, 'fill-opacity': 0.75 }),
    );
    medians.push([x, Y(q.p50)]);
    root.append(svg('circle', { class: 'median', cx: x, cy: Y(q.p50), r: 2.6, fill: MEDIAN, 'data-bin': b.length_bin, 'data-median': q.p50 },
      svg('title', {}, `${b.length_bin} mm: ${t('median')} ${q.p50} mm (5–95 %: ${q.p05}–${q.p95} mm)`)));
  });
  if (medians.length > 1) root.prepend(svg('polyline', { fill: 'none', stroke: MEDIAN, 'stroke-width': 1.4, points: medians.map((p) => p.map((c) => c.toFixed(1)).join(',')).join(' ') }));
  // Drawn after the bands, so the grid sits behind: move the polyline above the bands.
  const line = root.querySelector('polyline');
  if (line) root.append(line);
  root.append(svg('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }),
    svg('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }),
    svg('text', { x: (W + m.l) / 2, y: H - 6, 'text-anchor': 'middle' }, t('foot length (mm, lower edge of the 5 mm bin)')),
    svg('text', { x: 12, y: (H - m.b) / 2, transform: `rotate(-90 12 ${(H - m.b) / 2})`, 'text-anchor': 'middle' }, yLabel || 'mm'));
  return figure(title, root, caption);
}

/** Ball girth on foot length per sex: one segment per released group over its bounds. */
export function regressionChart({ title, groups, bounds, caption }) {
  const W = 460, H = 250, m = { l: 48, r: 10, t: 12, b: 40 };
  const shown = groups.filter((g) => !g.withheld && Number.isFinite(g.slope_mm_per_mm));
  const [x0, x1] = [Math.max(200, bounds.foot_length[0]), Math.min(300, bounds.foot_length[1])];
  const at = (g, x) => g.girth_at_mean_length_mm + g.slope_mm_per_mm * (x - g.mean_length_mm);
  const ys = shown.flatMap((g) => [at(g, x0), at(g, x1)]);
  let y0 = ys.length ? Math.min(...ys) : 200, y1 = ys.length ? Math.max(...ys) : 260;
  const pad = (y1 - y0) * 0.08 || 2;
  y0 -= pad; y1 += pad;
  const X = (x) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'maker-regression' });
  for (const v of ticks(y0, y1)) root.append(svg('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), stroke: '#e6e6e6' }), svg('text', { x: m.l - 5, y: Y(v) + 4, 'text-anchor': 'end' }, v));
  for (const v of ticks(x0, x1, 5)) root.append(svg('text', { x: X(v), y: H - m.b + 14, 'text-anchor': 'middle' }, v));
  shown.forEach((g, i) => {
    const c = SEX_COLOUR[g.group] || '#555';
    root.append(svg('line', { class: 'fit', 'data-group': g.group, 'data-slope': g.slope_mm_per_mm, x1: X(x0), y1: Y(at(g, x0)), x2: X(x1), y2: Y(at(g, x1)), stroke: c, 'stroke-width': 2 }),
      svg('circle', { cx: X(g.mean_length_mm), cy: Y(g.girth_at_mean_length_mm), r: 3, fill: c }),
      svg('text', { x: m.l + 6, y: m.t + 12 + 14 * i, fill: c, 'font-weight': 700 }, t(g.group)));
  });
  root.append(svg('line', { class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }),
    svg('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }),
    svg('text', { x: (W + m.l) / 2, y: H - 4, 'text-anchor': 'middle' }, t('foot length (mm)')),
    svg('text', { x: 12, y: (H - m.b) / 2, transform: `rotate(-90 12 ${(H - m.b) / 2})`, 'text-anchor': 'middle' }, t('ball girth (mm)')));
  return figure(title, root, caption);
}

const esc = (v) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));

/** Per-class columns of the average-foot CSV: releases.AVERAGE_FOOT_COLUMNS on the server. */
export const AVERAGE_FOOT_COLUMNS = ['mean_length_mm', 'mean_ball_width_mm', 'length_noise_sd_mm', 'width_noise_sd_mm',
  'mesh_length_noise_sd_mm', 'mesh_ball_width_noise_sd_mm', 'people_fitted', 'coefficients_from', 'mesh_withheld'];

/** A shape release (quantiles, regression or average feet) as CSV, with the columns of the API's CSV export. */
export function shapeReleaseToCsv(out) {
  const s = out.statistic;
  const meta = [['method', s.method], ['epsilon', s.epsilon], ['delta', 0], ['count_noise_scale', s.count_noise_scale],
    ['budget_spent_manufacturer_period', out.budget.spent.manufacturer_period], ['budget_spent_population_year', out.budget.spent.population_year]];
  let header, rows;
  if (out.query.statistic === 'quantiles') {
    const al = s.alphas.map((a) => `p${String(Math.round(a * 100)).padStart(2, '0')}`);
    header = ['length_bin', 'people_noisy', ...al.map((a) => `${a}_mm`), 'alpha_halfwidth', 'withheld', 'score_noise_scale', ...meta.map((x) => x[0])];
    rows = s.bins.map((b) => [b.length_bin, b.people, ...al.map((a) => (b.quantiles_mm || {})[a]), b.alpha_halfwidth, b.withheld || '', s.score_noise_scale, ...meta.map((x) => x[1])]);
  } else if (out.query.statistic === 'average_feet') {
    const names = s.mode_names;
    header = ['length_bin', 'people_noisy', ...AVERAGE_FOOT_COLUMNS, 'coeff_noise_sd', 'withheld', ...names.map((n) => `coeff_${n}_sd`), ...meta.map((x) => x[0])];
    rows = s.feet.map((f) => [f.length_bin, f.people, ...AVERAGE_FOOT_COLUMNS.map((k) => f[k]), f.coeff_noise_sd, f.withheld || '', ...(f.coeffs_sd || names.map(() => null)), ...meta.map((x) => x[1])]);
  } else {
    header = ['sex', 'people_noisy', 'slope_mm_per_mm', 'girth_at_mean_length_mm', 'mean_length_mm', 'correlation', 'withheld', ...meta.map((x) => x[0])];
    rows = s.groups.map((g) => [g.group, g.people, g.slope_mm_per_mm, g.girth_at_mean_length_mm, g.mean_length_mm, g.correlation, g.withheld || '', ...meta.map((x) => x[1])]);
  }
  return [header, ...rows].map((r) => r.map(esc).join(',')).join('\r\n') + '\r\n';
}

/** Offer `blob` as a file download named `name`. */
export function saveBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
