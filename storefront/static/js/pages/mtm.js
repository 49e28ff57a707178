// Made-to-measure: show the measurements the maker will receive, pick a colour, get a quote
// (price, lead time, what is made), then confirm it explicitly: only the confirmation charges.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, euros, fmt } from 'shoestreet/lib/dom.js';
import { t } from 'shoestreet/lib/i18n/index.js';
import { measurementLabel } from 'shoestreet/lib/i18n/labels.js';
import { currentScanId } from 'shoestreet/lib/catalog.js';
import { wireDelivery, deliveryFromForm } from 'shoestreet/pages/checkout.js';

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
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number' && k.endsWith('_mm')) tb.append(el('tr', {}, el('th', { scope: 'row' }, measurementLabel(k)), el('td', {}, `${fmt(v, 1)} mm`)));
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
          el('dt', {}, t('Price')), el('dd', { id: 'mtm-price' }, euros(quote.price_eur)),
          el('dt', {}, t('Ready to ship in')), el('dd', { id: 'mtm-lead' }, t('{n} working days', { n: quote.lead_time_days })),
          el('dt', {}, t('What is made')), el('dd', {}, t('A personal last from your foot, then the shoes on it')),
          el('dt', {}, t('Nearest stock size')), el('dd', {}, `EU ${base.eu} ${base.width || ''}`),
          el('dt', {}, t('Quote valid until')), el('dd', {}, new Date(quote.expires_at).toLocaleString())),
        el('table', { id: 'mtm-spec-table' }, el('caption', {}, t('Changes to the last')), el('tbody', {}, Object.entries(mods).map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, t(k.replace(/_delta_mm$/, '').replaceAll('_', ' '))), el('td', {}, `${v > 0 ? '+' : ''}${fmt(v, 1)} mm`))))));
      document.getElementById('mtm-confirm').textContent = t('Confirm and pay {amount}', { amount: euros(quote.price_eur) });
      confirmForm.hidden = false;
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
        el('div', { class: 'flash flash-ok', id: 'mtm-done' }, t('Order {id} placed ({amount}). The maker starts from last EU {eu} {width}.', { id: order.id, amount: euros(order.total_eur), eu: spec.base_last ? spec.base_last.eu : '?', width: spec.base_last ? spec.base_last.width : '' })),
        spec.notes ? el('p', { class: 'muted' }, t(spec.notes)) : '');
    } catch (err) {
      msg.textContent = describeError(err);
      btn.disabled = false;
    } finally {
      busy = false;
    }
  });
  window.__ready = true;
}
