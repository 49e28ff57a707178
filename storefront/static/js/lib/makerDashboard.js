// The makers' shape-statistics dashboard (issue 14): release quantiles, the girth-on-length
// regression or the average feet; show them with their intervals, the three budgets left, the
// method and noise on every download, and a refusal in words (never a count) with what would
// make the query answerable.
import { el, clear, describeError } from 'shoestreet/lib/dom.js';
import { t } from 'shoestreet/lib/i18n/index.js';
import { quantileBandChart, regressionChart, releasedSpan, shapeReleaseToCsv, saveBlob, binLow } from 'shoestreet/lib/makerCharts.js';

const MEASURE_WORDS = {
  ball_girth: 'ball girth', ball_width: 'ball width', instep_girth: 'instep girth',
  instep_height: 'instep height', heel_width: 'heel width',
};
const CAP_WORDS = [
  ['manufacturer_period', 'Your share this quarter'],
  ['manufacturer_year', 'Your cap this year'],
  ['population_year', 'Everyone’s budget on these people this year (all manufacturers)'],
];
const fmt = (x, d = 3) => (Number.isFinite(+x) ? (+x).toFixed(d).replace(/\.?0+$/, '') : '–');

/** The three budgets: left of each cap, as text and a bar (data-cap, data-left for tests). */
export function renderBudget(box, b) {
  clear(box);
  box.append(el('h3', {}, t('Privacy budget left')));
  if (!b.caps || !b.left) {
    box.append(el('p', {}, t('Privacy budget left this period: ε = {left} of {total}', { left: fmt(b.epsilon_left), total: fmt(b.epsilon_per_period) })));
    return;
  }
  const list = el('ul', { class: 'maker-budget-list' });
  for (const [key, words] of CAP_WORDS) {
    const cap = +b.caps[key], left = +b.left[key];
    const frac = cap > 0 ? Math.max(0, Math.min(1, left / cap)) : 0;
    list.append(el('li', { 'data-cap': key, 'data-left': left },
      el('span', {}, t(words) + ': ' + t('ε = {left} left of {total}', { left: fmt(left), total: fmt(cap) })),
      el('span', { style: 'display:block;height:6px;background:#e3e3e3;border-radius:3px;max-width:320px' },
        el('span', { style: `display:block;height:6px;border-radius:3px;width:${(frac * 100).toFixed(1)}%;background:${frac < 0.15 ? '#c62828' : '#2e7d32'}` }))));
  }
  box.append(list);
}

/** What the maker can change to get an answer, from the query they asked (no counts). */
export function remedies(query, left) {
  const out = [];
  const f = query.filters || {};
  const maxEps = Math.min(1, +left || 0);
  if (maxEps > +query.epsilon) out.push(t('Raise ε (up to {max} is left in your share this quarter): less noise lets smaller groups through.', { max: fmt(maxEps) }));
  for (const k of Object.keys(f)) out.push(t('Drop the filter “{filter}”: a wider group has more people.', { filter: `${t(k.replaceAll('_', ' '))} = ${t(f[k])}` }));
  if (query.statistic === 'quantiles') out.push(t('Ask for the regression of girth on length: it pools all lengths of a sex.'));
  out.push(t('Read a neighbouring or coarser size class, or wait for more consenting shoppers.'));
  return out;
}

function showRefusal(box, title, reason, tips) {
  clear(box);
  box.hidden = false;
  box.append(el('h3', {}, title));
  if (reason) box.append(el('p', { class: 'maker-refusal-reason' }, reason));
  if (tips.length) box.append(el('p', {}, t('What would make it answerable:')), el('ul', {}, tips.map((x) => el('li', {}, x))));
  box.append(el('p', { class: 'muted' }, t('Refusals never say how many people a group holds, and a refusal after reading data is charged like a release.')));
}

function methodText(out) {
  const s = out.statistic;
  const parts = [t('Method: {method}.', { method: s.method }), t('ε = {eps}, δ = 0; count noise scale {scale}.', { eps: fmt(s.epsilon), scale: fmt(s.count_noise_scale) })];
  if (s.score_noise_scale !== undefined) parts.push(t('Quantile score noise scale {scale}; rank error up to {people} people.', { scale: fmt(s.score_noise_scale), people: fmt(s.rank_error_people, 1) }));
  if (s.coeff_noise_sd === undefined && s.sum_noise_scale_sd !== undefined) parts.push(t('Shape sum noise scale {scale} prior sd.', { scale: fmt(s.sum_noise_scale_sd) }));
  parts.push(t('Budget spent: ε = {m} of your share this quarter, ε = {p} of the population’s year.', { m: fmt(out.budget.spent.manufacturer_period), p: fmt(out.budget.spent.population_year) }));
  return parts.join(' ');
}

/**
 * Wire the dashboard. `api` is the manufacturer's ApiClient; `budget` the /budget answer.
 * `onBudget(b)` gets the quarter's budget after each release (for the count section's line).
 * Returns {refreshBudget} (the count releases spend the same budget).
 * Sets window.__makerReleases (a counter) after every release or refusal, for the tests.
 */
export function initShapeDashboard(api, budget, { onBudget = () => {} } = {}) {
  const section = document.getElementById('maker-shape');
  section.hidden = false;
  const budgetBox = document.getElementById('maker-budget');
  const form = document.getElementById('maker-query');
  const kindSel = document.getElementById('maker-kind');
  const measureSel = document.getElementById('maker-measure');
  const msg = document.getElementById('maker-msg');
  const refusal = document.getElementById('maker-refusal');
  const result = document.getElementById('maker-release');
  const charts = document.getElementById('maker-charts');
  const csvBtn = document.getElementById('maker-csv');
  const parquetBtn = document.getElementById('maker-parquet');
  const footBox = document.getElementById('maker-foot');
  const sizeSel = document.getElementById('maker-size');
  let lastBudget = budget;
  let last = null;
  let view = null;
  window.__makerReleases = 0;
  renderBudget(budgetBox, budget);
  const syncKind = () => { measureSel.disabled = kindSel.value !== 'quantiles'; };
  kindSel.addEventListener('change', syncKind);
  syncKind();

  const params = () => {
    const q = new URLSearchParams({ kind: kindSel.value, epsilon: document.getElementById('maker-epsilon').value });
    if (kindSel.value === 'quantiles') q.set('measure', measureSel.value);
    const sex = document.getElementById('maker-sex').value, age = document.getElementById('maker-age').value;
    if (sex) q.set('sex', sex);
    if (age) q.set('age_band', age);
    return q;
  };

  async function refreshBudget() {
    try { lastBudget = await api.get('/api/manufacturer/budget'); renderBudget(budgetBox, lastBudget); onBudget(lastBudget); } catch { /* the release message says more */ }
  }

  async function fetchBytes(path) {
    const resp = await fetch(path, { headers: api.headers({ Accept: '*/*' }), credentials: 'same-origin' });
    if (!resp.ok) {
      const body = await resp.json().catch(() => null);
      throw Object.assign(new Error((body && body.error && body.error.message) || `HTTP ${resp.status}`), { status: resp.status, code: body && body.error && body.error.code });
    }
    return resp;
  }

  async function showFoot(out, lengthBin) {
    const info = document.getElementById('maker-foot-info');
    const foot = out.statistic.feet.find((f) => f.length_bin === lengthBin);
    info.textContent = t('Loading…');
    try {
      const resp = await fetchBytes(`/api/manufacturer/average-foot/${out.release_id}/${lengthBin}.glb`);
      if (!view) {
        const { MakerFootView } = await import('shoestreet/viewers/MakerFootView.js');
        view = new MakerFootView(document.getElementById('maker-foot-canvas'));
        window.__makerFootView = view;
      }
      const lengthMm = await view.load(await resp.arrayBuffer());
      info.textContent = t('Size class {bin} mm: about {people} people (noisy); shape noise {sd} prior sd per coefficient; model length {len} mm.',
        { bin: lengthBin, people: foot.people, sd: fmt(foot.coeff_noise_sd), len: fmt(lengthMm, 0) })
        + (foot.people_fitted === undefined || foot.people_fitted === null ? '' : ' ' + t('Shape fitted by footscan to their own scans for about {fit} of them (noisy), the rest from their measurements; noise on the model: length {lsd} mm, ball width {wsd} mm (sd).',
          { fit: foot.people_fitted, lsd: fmt(foot.mesh_length_noise_sd_mm, 1), wsd: fmt(foot.mesh_ball_width_noise_sd_mm, 1) }));
      info.dataset.bin = lengthBin;
    } catch (err) {
      info.textContent = describeError(err);
    } finally {
      window.__makerFootShown = lengthBin;
    }
  }

  function render(out) {
    last = out;
    clear(charts);
    footBox.hidden = true;
    const s = out.statistic;
    const kind = out.query.statistic;
    document.getElementById('maker-method').textContent = methodText(out);
    csvBtn.textContent = t('CSV of this release (free) · noise scale {scale} · ε {eps} spent', { scale: fmt(s.count_noise_scale), eps: fmt(s.epsilon) });
    csvBtn.title = s.method;
    parquetBtn.textContent = t('Parquet (a new release: costs ε = {eps} again) · same method and noise scale', { eps: fmt(s.epsilon) });
    parquetBtn.title = s.method;
    const withheld = [];
    if (kind === 'quantiles') {
      const measure = t(MEASURE_WORDS[out.query.measure] || out.query.measure);
      const span = releasedSpan(s.bins);
      charts.append(quantileBandChart({
        title: t('{measure} by foot length: 5/25/50/75/95 % quantiles', { measure }),
        bins: s.bins, yLabel: `${measure} (mm)`,
        caption: t('Outer band 5–95 %, inner band 25–75 %, dots the median. Each released quantile lies, with probability {p}, between the true quantiles {hw} of a rank either side (about {rank} people). Grey: withheld.',
          { p: fmt(s.interval_probability, 2), hw: '±α', rank: fmt(s.rank_error_people, 1) }),
      }));
      for (const b of span) if (b.withheld) withheld.push(`${b.length_bin} mm`);
    } else if (kind === 'regression') {
      charts.append(regressionChart({ title: t('Ball girth on foot length, per sex'), groups: s.groups, bounds: s.bounds_mm,
        caption: t('Least-squares lines on noisy sums; the dot is the girth at the group’s mean length.') }));
      const table = el('table', { class: 'mfr-grid maker-regression-table' },
        el('thead', {}, el('tr', {}, [t('sex'), t('people (noisy)'), t('slope (mm per mm)'), t('girth at mean length (mm)'), t('correlation')].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, s.groups.filter((g) => !g.withheld).map((g) => el('tr', { 'data-group': g.group },
          el('th', { scope: 'row' }, t(g.group)), el('td', {}, String(g.people)), el('td', {}, fmt(g.slope_mm_per_mm, 4)),
          el('td', {}, fmt(g.girth_at_mean_length_mm, 1)), el('td', {}, fmt(g.correlation, 3))))));
      charts.append(el('div', { class: 'chart table-scroll' }, table));
      for (const g of s.groups) if (g.withheld) withheld.push(t(g.group));
    } else {
      const feet = s.feet.filter((f) => f.coeffs_sd).sort((a, b) => binLow(a.length_bin) - binLow(b.length_bin));
      for (const f of s.feet) if (f.withheld && f.people !== null) withheld.push(`${f.length_bin} mm`);
      const noMesh = s.feet.filter((f) => !f.coeffs_sd && f.mesh_withheld).map((f) => `${f.length_bin} mm`);
      if (noMesh.length) {
        charts.append(el('p', { class: 'muted maker-mesh-withheld', 'data-floor': String(s.mesh_min_people) },
          t('No average foot for {list}: at ε {eps} a size class needs at least {floor} people (noisy count), so that the noise on each shape coefficient stays under {bound} of its prior spread; beyond that the mesh may not be a foot. Their mean length and ball width are in the CSV. Raise ε or drop a filter.',
            { list: noMesh.join(', '), eps: fmt(s.epsilon), floor: String(s.mesh_min_people), bound: fmt(s.max_coeff_noise_sd, 2) })));
      }
      clear(sizeSel);
      for (const f of feet) sizeSel.append(el('option', { value: f.length_bin }, `${f.length_bin} mm`));
      if (feet.length) {
        footBox.hidden = false;
        const mid = feet[Math.floor(feet.length / 2)].length_bin;
        sizeSel.value = mid;
        showFoot(out, mid);
      }
    }
    if (withheld.length) charts.append(el('p', { class: 'muted maker-withheld' }, t('Withheld (too few people at this ε, no value shown): {list}', { list: withheld.join(', ') })));
    result.hidden = false;
  }

  sizeSel.addEventListener('change', () => { if (last) showFoot(last, sizeSel.value); });
  for (const [id, ext] of [['maker-stl', 'stl'], ['maker-glb', 'glb']]) {
    document.getElementById(id).addEventListener('click', async () => {
      if (!last) return;
      try {
        const resp = await fetchBytes(`/api/manufacturer/average-foot/${last.release_id}/${sizeSel.value}.${ext}`);
        saveBlob(await resp.blob(), `average-foot-${last.release_id}-${sizeSel.value}.${ext}`);
      } catch (err) { msg.textContent = describeError(err); }
    });
  }
  csvBtn.addEventListener('click', () => {
    if (last) saveBlob(new Blob([shapeReleaseToCsv(last)], { type: 'text/csv' }), `shape-${last.query.statistic}-${last.release_id}.csv`);
  });
  parquetBtn.addEventListener('click', async () => {
    if (!last) return;
    const q = new URLSearchParams({ kind: last.query.statistic, epsilon: String(last.query.epsilon), format: 'parquet', ...last.query.filters });
    if (last.query.measure) q.set('measure', last.query.measure);
    parquetBtn.disabled = true;
    try {
      const resp = await fetchBytes('/api/manufacturer/shape-stats?' + q);
      const name = (resp.headers.get('Content-Disposition') || '').match(/filename="([^"]+)"/);
      saveBlob(await resp.blob(), name ? name[1] : 'shape.parquet');
    } catch (err) { msg.textContent = describeError(err); }
    parquetBtn.disabled = false;
    refreshBudget();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = params();
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    refusal.hidden = true;
    msg.textContent = t('Releasing…');
    const asked = { statistic: q.get('kind'), epsilon: +q.get('epsilon'), filters: Object.fromEntries(['sex', 'age_band'].filter((k) => q.get(k)).map((k) => [k, q.get(k)])) };
    try {
      const out = await api.get('/api/manufacturer/shape-stats?' + q);
      msg.textContent = '';
      renderBudget(budgetBox, { caps: out.budget.caps, left: out.budget.left });
      onBudget({ epsilon_left: out.budget.left.manufacturer_period, epsilon_per_period: out.budget.caps.manufacturer_period });
      if (!out.answered) {
        result.hidden = true;
        showRefusal(refusal, t('This query could not be answered'), t(out.explanation || ''), remedies(out.query, out.budget.left.manufacturer_period));
      } else {
        render(out);
      }
    } catch (err) {
      msg.textContent = '';
      if (err.code === 'privacy_budget_exhausted') {
        showRefusal(refusal, t('Refused: not enough privacy budget'), describeError(err),
          [t('Ask for a smaller ε (less precise, more noise).'), t('Wait for the next quarter (your share) or the next year (yearly caps).')]);
      } else {
        showRefusal(refusal, t('Refused'), describeError(err), []);
      }
      refreshBudget();
    } finally {
      btn.disabled = false;
      window.__makerReleases += 1;
    }
  });
  return { refreshBudget };
}
