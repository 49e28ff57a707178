// One gait session's report: cadence over time, stride times, pressure heat map with the CoP path,
// activity timeline, standing balance and care indicators with their reference ranges.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, fmt } from 'shoestreet/lib/dom.js';
import { rememberGait } from 'shoestreet/lib/catalog.js';
import { lineChart, timeline, rangeBars, insoleHeatmap } from 'shoestreet/lib/charts.js';
import { t, formatDate } from 'shoestreet/lib/i18n/index.js';

/** Charts keep their English title as data-chart in every language (a stable key). */
const keyed = (fig, key) => { fig.dataset.chart = key; return fig; };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Cadence (steps/min) in sliding windows over the heel strikes of both feet. */
export function cadenceSeries(strides, windowS = 10) {
  const hs = strides.map((s) => s.heel_strike_s).filter(Number.isFinite).sort((a, b) => a - b);
  if (hs.length < 4) return [];
  const out = [];
  for (let t = hs[0] + windowS / 2; t <= hs[hs.length - 1] - windowS / 2 + 1e-9; t += windowS / 2) {
    const n = hs.filter((h) => h >= t - windowS / 2 && h < t + windowS / 2).length;
    out.push([+t.toFixed(1), (60 * n) / windowS]);
  }
  return out;
}

export default async function gaitReport() {
  const { session_id: id } = pageConfig();
  const status = document.getElementById('gait-status');
  let gs;
  for (let i = 0; i < 240; i++) {
    gs = await api.get(`/api/gait/sessions/${encodeURIComponent(id)}`);
    if (gs.status === 'done' || gs.status === 'failed') break;
    status.textContent = `${t('Analysing the recording…')} ${Math.round(100 * ((gs.job && gs.job.progress) || 0))}%`;
    await sleep(500);
  }
  if (gs.status !== 'done') {
    const reason = (gs.job && gs.job.error) || gs.error; // the job's reason is in the page language
    status.textContent = reason ? t('This recording could not be analysed: {reason}', { reason }) : t('The report is not ready yet.');
    window.__ready = true;
    return;
  }
  status.textContent = '';
  rememberGait(gs.id);
  const r = gs.report || {};
  const s = r.summary || {};
  document.getElementById('gait-title').textContent = `${t('Gait report')} · ${formatDate(gs.created_at)}`;
  document.getElementById('gait-meta').textContent =
    `${gs.filename || ''} · ${t('{n} strides', { n: s.n_strides ?? 0 })} · ${t('{n} s walking', { n: fmt(s.walking_s, 0) })} · ${t('cadence {n} steps/min', { n: fmt(s.cadence_spm, 0) })} · ${t('stride-time CV {n} %', { n: fmt(s.stride_cv_pct, 2) })}`;
  const box = clear(document.getElementById('gait-charts'));
  const strides = r.strides || [];

  const cad = cadenceSeries(strides);
  if (cad.length) box.append(keyed(lineChart({ title: t('Cadence over time'), xLabel: t('time (s)'), yLabel: t('steps/min'), band: { lo: 100, hi: 120 }, series: [{ name: t('cadence'), points: cad }], caption: t('Shaded: the usual adult range, 100–120 steps/min.') }), 'Cadence over time'));

  const bySide = (side) => strides.filter((x) => x.side === side && Number.isFinite(x.stride_s)).map((x) => [x.heel_strike_s, x.stride_s]);
  if (strides.length) box.append(keyed(lineChart({ title: t('Stride times'), xLabel: t('time (s)'), yLabel: t('stride (s)'), series: [
    { name: t('left'), points: bySide('left'), markers: true, line: false }, { name: t('right'), points: bySide('right'), markers: true, line: false }],
  caption: t('Each dot is one stride; a tight band means a steady rhythm.') }), 'Stride times'));

  const p = r.pressure || {};
  const feet = p.feet || {};
  const sides = Object.keys(feet);
  if (sides.length) {
    const n = (feet[sides[0]].sensor_mean || []).length;
    try {
      const layout = await api.get(`/gait/layouts/${n}.json`);
      box.append(keyed(insoleHeatmap({
        title: t('Pressure and centre of pressure'),
        layout,
        feet: sides.map((side) => ({ side, values: feet[side].sensor_mean || [], cop: (p.cop_path || {})[side] })),
        caption: t('Mean pressure per sensor (red: most); dashed: centre-of-pressure path through stance. Loading tendency: {ml}; heel impact: {heel}.', { ml: t(p.ml_tendency || 'n/a'), heel: t(p.heel_impact || 'n/a') }),
      }), 'Pressure and centre of pressure'));
    } catch (err) {
      box.append(el('p', { class: 'error' }, t('Pressure map unavailable: {reason}', { reason: err.message })));
    }
  }

  if ((r.activity || []).length) box.append(keyed(timeline({ title: t('Activity timeline'), segments: r.activity }), 'Activity timeline'));

  const post = r.posture || {};
  const bal = el('figure', { class: 'chart', dataset: { chart: 'Standing balance' } }, el('h3', {}, t('Standing balance')));
  if (post.standing_s) {
    const tb = el('tbody');
    const row = (k, v) => tb.append(el('tr', {}, el('th', { scope: 'row' }, t(k)), el('td', {}, v)));
    row('Standing time', `${fmt(post.standing_s, 0)} s`);
    row('Weight on the left foot', `${fmt(post.left_share_pct, 0)} %`);
    row('Weight on the heels', `${fmt(post.rear_share_pct, 0)} %`);
    row('Sway side to side', `${fmt(post.sway_ml_mm, 1)} mm`);
    row('Sway front to back', `${fmt(post.sway_ap_mm, 1)} mm`);
    row('Sway speed', `${fmt(post.sway_velocity_mm_s, 1)} mm/s`);
    bal.append(el('table', {}, tb));
  } else bal.append(el('p', { class: 'muted' }, t('No standing period in this recording.')));
  box.append(bal);

  const care = (r.care || []).filter((c) => c);
  if (care.length) box.append(keyed(rangeBars({ title: t('Care indicators'), items: care, caption: t('Green band: reference range. Compare with your own earlier sessions, not only with the population.') }), 'Care indicators'));
  const notes = (r.quality && r.quality.notes) || [];
  if (notes.length) box.append(el('div', { class: 'notice' }, el('strong', {}, t('Data quality:'), ' '), notes.map((n) => t(n)).join(' ')));
  await new Promise((res) => requestAnimationFrame(res));
  window.__ready = true;
}
