// Made-to-measure: show the measurements the maker will receive, pick a colour, get a quote
// (price, lead time, what is made), then confirm it explicitly: only the confirmation charges.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, won, fmt } from 'shoestreet/lib/dom.js';
import { t, formatDate } from 'shoestreet/lib/i18n/index.js';
import { measurementLabel } from 'shoestreet/lib/i18n/labels.js';
import { currentScanId } from 'shoestreet/lib/catalog.js';
import { wireDelivery, deliveryFromForm } from 'shoestreet/pages/checkout.js';
import { hasWebGL } from 'shoestreet/lib/webgl.js';

const MEASURE = {
  bottom_length: 'Bottom length', ball_girth: 'Ball girth', ball_width: 'Ball width', instep_girth: 'Instep girth',
  waist_girth: 'Waist girth', heel_girth: 'Long heel girth',
};
const REGION = { heel_seat: 'Heel seat', waist: 'Waist', instep: 'Instep', ball: 'Ball', toe_box: 'Toe box' };
const FILE_STATUS = { none: 'not started', queued: 'waiting', running: 'being made', done: 'ready', failed: 'failed' };
// A value and its unit never part at a line end (a lone "mm" on a phone's second line).
const mm = (v) => `${fmt(v, 1)}\u00a0mm`;
const signed = (v) => `${v > 0 ? '+' : ''}${mm(v)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll a job until it ends, reporting its progress; returns the final job. */
async function followJob(url, onProgress) {
  for (;;) {
    const job = await api.get(url);
    onProgress(job);
    if (job.status === 'done' || job.status === 'failed') return job;
    await sleep(400);
  }
}

function progressBox(id, label) {
  const bar = el('progress', { id: `${id}-progress`, max: 100, value: 0, 'aria-label': label });
  const text = el('span', { id: `${id}-stage`, class: 'muted' }, label);
  return { box: el('p', {}, bar, ' ', text), bar, text };
}

/** Why the preview failed, in the page language: the server translates the job's English
 *  reason (storefront/i18n/reasons.py) in the 409 of the preview URL (`error.reason`); the job
 *  status answers it too (`error`, the English in `detail`). */
async function failureReason(url, english) {
  try {
    const resp = await fetch(url, { credentials: 'same-origin' });
    const body = await resp.json();
    return (body && body.error && (body.error.reason || body.error.message)) || english || '';
  } catch {
    return english || '';
  }
}

/** The personal last in 3D with the foot inside, clearance per region, changes from stock. */
async function showPreview(quote, host) {
  const label = t('Building your personal last…');
  const prog = progressBox('mtm-preview', label);
  host.dataset.quote = String(quote.id);
  clear(host).append(el('h2', {}, t('Your personal last')), prog.box);
  const job = await followJob(quote.preview.job, (j) => {
    prog.bar.value = Math.round(100 * (j.progress || 0));
    prog.text.textContent = `${label} ${Math.round(100 * (j.progress || 0))}%`;
  });
  if (job.status !== 'done') {
    prog.box.replaceWith(el('p', { id: 'mtm-preview-error', class: 'flash flash-error', title: job.detail || job.error || '' }, t('The preview could not be made:'), ' ', await failureReason(quote.preview.url, job.error)));
    return null;
  }
  const p = await api.get(quote.preview.url);
  prog.box.remove();
  if (hasWebGL()) {
    const canvas = el('canvas', { id: 'mtm-preview-canvas', class: 'viewer', tabindex: '0', role: 'img', 'aria-label': t('Your personal last with your foot inside, coloured by clearance') });
    host.append(el('div', { class: 'viewport foot-viewport' }, canvas));
    const { LastView } = await import('shoestreet/viewers/LastView.js');
    const view = new LastView(canvas);
    view.show(p);
    window.__mtmPreview = view;
    const { CLEARANCE_BANDS } = await import('shoestreet/viewers/LastView.js');
    host.append(el('ul', { class: 'legend swatch', id: 'mtm-legend' }, CLEARANCE_BANDS.map((b) => el('li', {}, el('span', { class: 'chip', style: `background:${b.colour}` }), ' ', t(b.label)))));
  }
  host.append(
    el('table', { id: 'mtm-clearance' }, el('caption', {}, t('Room between your foot and the last, per region (mm; negative = the last presses)')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('Region')), el('th', { scope: 'col' }, t('Least')), el('th', { scope: 'col' }, t('Median')))),
      el('tbody', {}, p.clearance.map((c) => el('tr', { 'data-region': c.region },
        el('th', { scope: 'row' }, t(REGION[c.region] || c.region)),
        el('td', { 'data-mm': c.min_mm }, signed(c.min_mm)), el('td', { 'data-mm': c.median_mm }, signed(c.median_mm)))))),
    el('table', { id: 'mtm-changes' }, el('caption', {}, t('What changes compared with stock size EU {eu} {width}', { eu: p.nearest_stock_size.eu, width: p.nearest_stock_size.width })),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('Measure')), el('th', { scope: 'col' }, t('Stock last')), el('th', { scope: 'col' }, t('Your last')), el('th', { scope: 'col' }, t('Change')))),
      el('tbody', {}, p.stock_changes.map((c) => el('tr', { 'data-measure': c.measure },
        el('th', { scope: 'row' }, t(MEASURE[c.measure] || c.measure)),
        el('td', {}, mm(c.stock_mm)), el('td', {}, mm(c.personal_mm)),
        el('td', { 'data-mm': c.change_mm }, signed(c.change_mm)))))),
    el('p', { class: 'muted' }, t('Length and width are measured on your last; girths are your foot’s plus the style’s ease, the way stock sizes are given.')),
    lastReadings(p.stock_changes));
  return p;
}

/** The personal last measured on its own (`last_mm`) and its offset from the catalogue-convention
 *  figure above (`last_offset_mm = last_mm - personal_mm`): a girth taped on the last goes over
 *  the insole fill and on the last's own planes, so it reads more (docs/made-to-measure.md).
 *  Three columns, so it fits a phone. Empty for a preview stored before the API carried them. */
function lastReadings(changes) {
  const rows = (changes || []).filter((c) => typeof c.last_mm === 'number' && typeof c.last_offset_mm === 'number');
  if (!rows.length) return '';
  return el('section', { id: 'mtm-last-readings' },
    el('table', { id: 'mtm-last' }, el('caption', {}, t('Your last measured on its own (mm)')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('Measure')), el('th', { scope: 'col' }, t('On your last')), el('th', { scope: 'col' }, t('Offset from the figure above')))),
      el('tbody', {}, rows.map((c) => el('tr', { 'data-measure': c.measure },
        el('th', { scope: 'row' }, t(MEASURE[c.measure] || c.measure)),
        el('td', { class: 'num', 'data-mm': c.last_mm }, mm(c.last_mm)),
        el('td', { class: 'num', 'data-mm': c.last_offset_mm }, signed(c.last_offset_mm)))))),
    el('p', { class: 'muted' }, t('A tape round your last goes over the insole that fills its flat bottom and follows the last’s own lines, so its girths read more than the foot girths stock sizes are given in. Length and width are the same reading (offset 0 mm).')));
}

/** After confirmation: the file job's progress, then the spec sheets and preview to open. */
async function watchFiles(order, host) {
  const files = (order.made_to_measure || {}).files || {};
  const status = el('p', { id: 'mtm-files-status', 'data-status': files.status }, t('Files for the maker:'), ' ', t(FILE_STATUS[files.status] || files.status));
  clear(host).append(el('h2', {}, t('Files for the maker')), status);
  if (!files.job) return;
  const job = await followJob(files.job, (j) => {
    status.dataset.status = j.status === 'done' ? 'done' : j.status;
    status.textContent = `${t('Files for the maker:')} ${t(FILE_STATUS[j.status] || j.status)} ${Math.round(100 * (j.progress || 0))}%`;
  });
  const fresh = await api.get(`/api/orders/${order.id}`);
  const f = fresh.made_to_measure.files;
  status.dataset.status = f.status;
  status.textContent = `${t('Files for the maker:')} ${t(FILE_STATUS[f.status] || f.status)}${f.error ? ' — ' + (f.error_text || f.error) : ''}`;
  if (job.status === 'done') {
    host.append(el('ul', { id: 'mtm-files' }, f.files.map((x) => el('li', {}, el('a', { href: x.url, target: '_blank', rel: 'noopener' }, x.name)))));
  }
}

export default async function mtmPage() {
  const { shoe_id: shoeId, user } = pageConfig();
  const shoe = await api.get(`/api/shoes/${encodeURIComponent(shoeId)}`);
  document.getElementById('mtm-shoe').textContent = shoe.name;
  const box = document.getElementById('mtm-measurements');
  const form = document.getElementById('mtm-form');
  const msg = document.getElementById('mtm-msg');
  const scan = user ? await currentScanId(user) : null;
  if (!scan) {
    clear(box).append(el('p', {}, user ? el('a', { href: '/my-foot' }, t('Scan your foot first')) : el('a', { href: '/account' }, t('Sign in')), ' ', t('to order made to measure.')));
    form.querySelector('button').disabled = true;
    window.__ready = true;
    return;
  }
  const s = await api.get(`/api/scans/${encodeURIComponent(scan)}`);
  const m = s.measurements || {};
  const tb = el('tbody');
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number' && k.endsWith('_mm')) tb.append(el('tr', {}, el('th', { scope: 'row' }, measurementLabel(k)), el('td', {}, mm(v))));
  clear(box).append(el('table', {}, el('caption', {}, t('Measurements sent to the maker')), tb));
  const sel = document.getElementById('mtm-colourway');
  for (const cw of shoe.colourways || []) sel.append(el('option', { value: cw.id }, cw.name));
  const quoteBox = document.getElementById('mtm-quote');
  const confirmForm = document.getElementById('mtm-confirm-form');
  wireDelivery(confirmForm);
  let busy = false;
  let quote = null;
  // Step 1: a quote (price, lead time, what is made). Nothing is ordered or charged here.
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    form.querySelector('button').disabled = true;
    msg.textContent = '';
    try {
      quote = await api.post('/api/orders/made-to-measure/quote', { scan_id: Number(scan), shoe_id: shoe.id, colourway_id: sel.value });
      const spec = quote.last_spec || {};
      const mods = spec.modifications || {};
      const base = quote.nearest_stock_size || {};
      clear(quoteBox).append(
        el('h2', {}, t('Your quote')),
        el('dl', { class: 'quote' },
          el('dt', {}, t('Price')), el('dd', { id: 'mtm-price' }, won(quote.price_krw)),
          el('dt', {}, t('Ready to ship in')), el('dd', { id: 'mtm-lead' }, t('{n} working days', { n: quote.lead_time_days })),
          el('dt', {}, t('What is made')), el('dd', {}, t('A personal last from your foot, then the shoes on it')),
          el('dt', {}, t('Nearest stock size')), el('dd', {}, `EU ${base.eu} ${base.width || ''}`),
          el('dt', {}, t('Quote valid until')), el('dd', { id: 'mtm-expires' }, formatDate(quote.expires_at, true))),
        el('table', { id: 'mtm-spec-table' }, el('caption', {}, t('Changes to the last')), el('tbody', {}, Object.entries(mods).map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, t(k.replace(/_delta_mm$/, '').replaceAll('_', ' '))), el('td', {}, signed(v)))))));
      document.getElementById('mtm-confirm').textContent = t('Confirm and pay {amount}', { amount: won(quote.price_krw) });
      confirmForm.hidden = false;
      showPreview(quote, document.getElementById('mtm-preview')).catch((err) => { msg.textContent = describeError(err); });
    } catch (err) {
      msg.textContent = describeError(err);
    } finally {
      form.querySelector('button').disabled = false;
      busy = false;
    }
  });
  // Step 2: the explicit confirmation charges exactly the quoted price, once.
  confirmForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || !quote || !confirmForm.reportValidity()) return;
    busy = true;
    const btn = document.getElementById('mtm-confirm');
    btn.disabled = true;
    try {
      const order = await api.post('/api/orders/made-to-measure', { quote_id: quote.id, confirm: true, payment: { provider: 'test' }, delivery: deliveryFromForm() }, { idempotencyKey: `mtm-quote-${quote.id}` });
      const spec = (order.made_to_measure || {}).last_spec || {};
      form.hidden = true;
      confirmForm.hidden = true;
      clear(document.getElementById('mtm-spec')).append(
        el('div', { class: 'flash flash-ok', id: 'mtm-done' }, t('Order {id} placed ({amount}). The maker starts from last EU {eu} {width}.', { id: order.id, amount: won(order.total_krw), eu: spec.base_last ? spec.base_last.eu : '?', width: spec.base_last ? spec.base_last.width : '' })),
        spec.notes ? el('p', { class: 'muted' }, t(spec.notes)) : '',
        el('section', { id: 'mtm-files-box', 'aria-live': 'polite' }));
      watchFiles(order, document.getElementById('mtm-files-box')).catch((err) => { msg.textContent = describeError(err); });
    } catch (err) {
      msg.textContent = describeError(err);
      btn.disabled = false;
    } finally {
      busy = false;
    }
  });
  window.__ready = true;
}
