// Order history with returns and fit feedback (feeds the size learner). Names, won, human statuses.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { shoeDetails, lineNames } from 'shoestreet/lib/catalog.js';
import { t, formatWon, formatDate } from 'shoestreet/lib/i18n/index.js';
import { orderStatus, fitFeedback, nameFromId, colourFromId } from 'shoestreet/lib/i18n/labels.js';

const FILE_STATUS = { none: 'not started', queued: 'waiting', running: 'being made', done: 'ready', failed: 'failed', erased: 'erased' };

function fitSelect(id) {
  return el('select', { id },
    ['too_small', 'fits', 'too_large'].map((v) => el('option', { value: v, selected: v === 'fits' }, fitFeedback(v))));
}

/** Order total in whole won, as the server charged it (the sum of its lines). */
export function orderTotalWon(o) { return o.total_krw; }

export default async function ordersPage() {
  const { user } = pageConfig();
  const box = document.getElementById('orders-body');
  if (!user) { clear(box).append(el('p', {}, el('a', { href: '/account?next=/orders' }, t('Sign in')), ' ', t('to see your orders.'))); window.__ready = true; return; }
  const orders = (await api.get('/api/orders')).orders || [];
  const details = await shoeDetails(orders.flatMap((o) => (o.lines || []).map((ln) => ln.shoe_id)));
  clear(box);
  if (!orders.length) box.append(el('p', {}, t('No orders yet.')));
  for (const o of orders) {
    const kind = o.kind === 'made_to_measure' ? ` · ${t('made to measure')}` : '';
    const sec = el('section', { class: 'card', dataset: { order: o.id, status: o.status } },
      el('h2', {}, t('Order {id}', { id: o.id }), el('span', { class: 'sub' },
        `${formatDate(o.created_at)} · ${formatWon(orderTotalWon(o))} · `, el('span', { class: 'order-status' }, orderStatus(o.status)), kind)));
    for (const ln of o.lines || []) {
      const msg = el('span', { role: 'status' });
      const selId = `fit-${ln.id}`;
      const sel = fitSelect(selId);
      const { name, colour } = lineNames(ln, details);
      const what = t('{n} × {name}, EU {eu} {width}, {colour}', { n: ln.quantity, name: name || nameFromId(ln.shoe_id), eu: ln.size_eu, width: ln.width || '', colour: colour || colourFromId(ln.colourway_id, ln.shoe_id) });
      const row = el('div', { class: 'order-line', dataset: { line: ln.id } },
        el('span', { class: 'what' }, what, ln.returned_quantity ? ` (${t('{n} returned', { n: ln.returned_quantity })})` : ''),
        el('label', { for: selId, class: 'inline' }, t('How did it fit?')), sel);
      const send = async (path, body, done) => {
        try { await api.post(path, body); msg.textContent = done; } catch (err) { msg.textContent = describeError(err); }
      };
      row.append(el('button', { type: 'button', onclick: () => send(`/api/orders/${o.id}/feedback`, { line_id: ln.id, fit: sel.value }, t('Thanks: your feedback tunes our size advice.')) }, t('Tell us how it fits')));
      if (o.kind === 'stock' && ln.returned_quantity < ln.quantity) {
        row.append(el('button', { type: 'button', onclick: () => send(`/api/orders/${o.id}/returns`, { line_id: ln.id, fit: sel.value, quantity: 1 }, t('Return registered.')) }, t('Return one pair')));
      }
      row.append(msg);
      sec.append(row);
    }
    const d = o.delivery;
    sec.append(el('p', { class: 'muted order-delivery' }, d
      ? t('Delivery to {name}, ({postcode}) {address} {detail}, {phone}', { name: d.name, postcode: d.postcode, address: d.road_address, detail: d.detail || '', phone: d.phone })
      : t('To collect at the shop on Shoe Street.')));
    if (o.made_to_measure) {
      const m = o.made_to_measure;
      sec.append(el('p', { class: 'muted' }, t('Made to measure from base last EU {eu} {width}; status: {status}.', { eu: m.base_size_eu, width: m.base_width, status: orderStatus(m.status) })));
      const f = m.files || {};
      if (f.status) {
        sec.append(el('p', { class: 'mtm-files', 'data-status': f.status }, t('Files for the maker:'), ' ', t(FILE_STATUS[f.status] || f.status), f.error ? ` — ${f.error_text || f.error}` : '',
          ...(f.files || []).map((x) => el('span', {}, ' · ', el('a', { href: x.url, target: '_blank', rel: 'noopener' }, x.name)))));
      }
    }
    box.append(sec);
  }
  window.__ready = true;
}
