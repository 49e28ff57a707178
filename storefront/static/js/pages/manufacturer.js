// Manufacturer dashboard: release DP aggregates (each release spends privacy budget), show them
// as charts with suppressed cells marked, the budget left, and export what was released as CSV
// (client-side, so exporting does not spend budget a second time).
import { ApiClient } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { barChart } from 'shoestreet/lib/charts.js';
import { t } from 'shoestreet/lib/i18n/index.js';
import { initShapeDashboard } from 'shoestreet/lib/makerDashboard.js';

const DIMS = { length_bin: 'foot length', width: 'width fitting', girth_band: 'ball girth', arch_band: 'arch height', region: 'region', age_band: 'age band', sex: 'sex' };
const dimName = (d) => t(DIMS[d] || d.replaceAll('_', ' '));
// Released category values in words (the CSV export keeps the API's values).
const VALUES = { extra_wide: 'extra wide', narrow: 'narrow', regular: 'regular', wide: 'wide', low: 'low', medium: 'medium', high: 'high', female: 'female', male: 'male', other: 'other', unknown: 'unknown' };
const valueName = (v) => (Object.prototype.hasOwnProperty.call(VALUES, v) ? t(VALUES[v]) : String(v));

const TOKEN_KEY = 'shoestreet.mfrToken';
let lastRelease = null;

function clientFor(user) {
  if (user && user.role === 'manufacturer') return new ApiClient();
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? new ApiClient({ token }) : null;
}

export function releaseToCsv(out) {
  const dims = out.query.dims;
  const esc = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const lines = [[...dims, 'count', 'suppressed'].join(',')];
  for (const c of out.cells) lines.push([...dims.map((d) => esc(c[d])), c.suppressed ? '' : c.count, c.suppressed ? 'true' : 'false'].join(','));
  return lines.join('\n') + '\n';
}

function showBudget(b) {
  const node = document.getElementById('mfr-budget');
  node.textContent = t('Privacy budget left this period: ε = {left} of {total}', { left: (+b.epsilon_left).toFixed(3), total: (+b.epsilon_per_period).toFixed(3) });
  node.dataset.left = b.epsilon_left;
}

/** Adult length bins only, unless released data reach outside them; "unknown" stays last. */
export function visibleLengthBins(cells) {
  const bins = [...new Set(cells.map((c) => c.length_bin))];
  const lo = (b) => parseInt(b, 10);
  const shown = cells.filter((c) => !c.suppressed && c.count > 0).map((c) => lo(c.length_bin)).filter(Number.isFinite);
  const a = Math.min(210, ...shown), z = Math.max(300, ...shown);
  const numeric = bins.filter((b) => Number.isFinite(lo(b)) && lo(b) >= a && lo(b) <= z).sort((x, y) => lo(x) - lo(y));
  return numeric.concat(bins.filter((b) => !Number.isFinite(lo(b))));
}

function renderRelease(out) {
  const box = clear(document.getElementById('mfr-charts'));
  const dims = out.query.dims;
  const cells = out.cells;
  const nSupp = cells.filter((c) => c.suppressed).length;
  document.getElementById('mfr-summary').textContent =
    t('{n} cells released with ε = {eps}; {supp} suppressed (fewer than {min} people).', { n: cells.length, eps: out.method.epsilon, supp: nSupp, min: out.method.min_cell });
  if (dims.length === 1) {
    let cs = cells;
    if (dims[0] === 'length_bin') { const keep = new Set(visibleLengthBins(cells)); cs = cells.filter((c) => keep.has(c.length_bin)); }
    box.append(barChart({ title: t('People by {dim}', { dim: dimName(dims[0]) }), bars: cs.map((c) => ({ label: valueName(c[dims[0]]), value: c.count, suppressed: !!c.suppressed })), caption: t('Hatched: suppressed cells (too few people to release).') }));
  } else {
    const [rowDim, colDim] = dims;
    let rows = [...new Set(cells.map((c) => c[rowDim]))];
    if (rowDim === 'length_bin') rows = visibleLengthBins(cells);
    const cols = [...new Set(cells.map((c) => c[colDim]))];
    const idx = new Map(cells.map((c) => [`${c[rowDim]}|${c[colDim]}`, c]));
    const table = el('table', { class: 'mfr-grid' }, el('caption', {}, t('People by {dim}', { dim: `${dimName(rowDim)} × ${dimName(colDim)}` })),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, dimName(rowDim)), cols.map((c) => el('th', { scope: 'col' }, valueName(c))))));
    const tb = el('tbody');
    for (const r of rows) {
      tb.append(el('tr', {}, el('th', { scope: 'row' }, valueName(r)), cols.map((c) => {
        const cell = idx.get(`${r}|${c}`);
        if (!cell) return el('td', {}, '');
        return cell.suppressed
          ? el('td', { class: 'suppressed', 'data-suppressed': 'true', title: t('suppressed: too few people') }, t('suppressed'))
          : el('td', { 'data-value': cell.count }, String(cell.count));
      })));
    }
    table.append(tb);
    box.append(el('div', { class: 'chart table-scroll' }, table));
    // Released marginal per column from the non-suppressed cells only (labelled as such).
    box.append(barChart({ title: t('{dim} (sum of released cells)', { dim: dimName(colDim) }), bars: cols.map((c) => {
      const cs = cells.filter((x) => x[colDim] === c);
      const all = cs.length > 0 && cs.every((x) => x.suppressed);
      return { label: valueName(c), value: all ? null : cs.filter((x) => !x.suppressed).reduce((s, x) => s + x.count, 0), suppressed: all };
    }), caption: t('Suppressed cells are left out of the sums.') }));
  }
}

export default async function manufacturerPage() {
  const { user } = pageConfig();
  const msg = document.getElementById('mfr-msg');
  const tokenForm = document.getElementById('mfr-token-form');
  let api = clientFor(user);
  let shapes = null;
  tokenForm.hidden = !!api;
  tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('mfr-token').value.trim());
    window.location.reload();
  });
  if (!api) {
    msg.textContent = t('Paste the manufacturer token printed by `storefront create-manufacturer NAME`.');
    window.__ready = true;
    return;
  }
  try {
    const budget = await api.get('/api/manufacturer/budget');
    showBudget(budget);
    shapes = initShapeDashboard(api, budget, { onBudget: showBudget });
  } catch (err) {
    msg.textContent = describeError(err);
    if (err.status === 401 || err.status === 403) { sessionStorage.removeItem(TOKEN_KEY); tokenForm.hidden = false; }
    window.__ready = true;
    return;
  }
  const query = document.getElementById('mfr-query');
  const csv = document.getElementById('mfr-csv');
  csv.disabled = true;
  query.addEventListener('submit', async (e) => {
    e.preventDefault();
    const group = document.getElementById('mfr-group').value;
    const eps = document.getElementById('mfr-epsilon').value;
    const q = new URLSearchParams({ dims: group || 'length_bin,width', epsilon: eps });
    const btn = query.querySelector('button[type=submit]');
    btn.disabled = true;
    msg.textContent = t('Releasing…');
    try {
      lastRelease = await api.get('/api/manufacturer/foot-stats?' + q);
      msg.textContent = '';
      showBudget(lastRelease.budget);
      renderRelease(lastRelease);
      if (shapes) shapes.refreshBudget();
      csv.disabled = false;
    } catch (err) {
      msg.textContent = describeError(err);
    } finally {
      btn.disabled = false;
      window.__released = true;
    }
  });
  csv.addEventListener('click', () => {
    if (!lastRelease) return;
    const blob = new Blob([releaseToCsv(lastRelease)], { type: 'text/csv' });
    const a = el('a', { href: URL.createObjectURL(blob), download: 'foot-stats.csv' });
    document.body.append(a);
    a.click();
    a.remove();
  });
  window.__ready = true;
}
