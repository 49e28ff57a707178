// Order history with returns and fit feedback (feeds the size learner).
import { api } from 'shoestreet/street/ApiClient.js';
import { el, clear, pageConfig, euros, describeError } from 'shoestreet/street/dom.js';

function fitSelect(id) {
  return el('select', { id, 'aria-label': 'How did it fit?' }, el('option', { value: 'too_small' }, 'too small'), el('option', { value: 'fits', selected: true }, 'fits'), el('option', { value: 'too_large' }, 'too large'));
}

export default async function ordersPage() {
  const { user } = pageConfig();
  const box = document.getElementById('orders-body');
  if (!user) { clear(box).append(el('p', {}, el('a', { href: '/account' }, 'Sign in'), ' to see your orders.')); window.__ready = true; return; }
  const orders = (await api.get('/api/orders')).orders || [];
  clear(box);
  if (!orders.length) box.append(el('p', {}, 'No orders yet.'));
  for (const o of orders) {
    const sec = el('section', { class: 'card', dataset: { order: o.id } },
      el('h2', {}, `Order ${o.id} · ${new Date(o.created_at).toLocaleDateString()} · ${euros(o.total_eur)} · ${o.status}${o.kind === 'made_to_measure' ? ' · made to measure' : ''}`));
    for (const ln of o.lines || []) {
      const msg = el('span', { role: 'status' });
      const sel = fitSelect(`fit-${ln.id}`);
      const row = el('div', { class: 'actions' }, `${ln.quantity} × ${ln.shoe_id}, EU ${ln.size_eu} ${ln.width || ''}`, ln.returned_quantity ? ` (${ln.returned_quantity} returned)` : '', sel);
      const send = async (path, body, done) => {
        try { await api.post(path, body); msg.textContent = done; } catch (err) { msg.textContent = describeError(err); }
      };
      row.append(el('button', { type: 'button', onclick: () => send(`/api/orders/${o.id}/feedback`, { line_id: ln.id, fit: sel.value }, 'Thanks: your feedback tunes our size advice.') }, 'Tell us how it fits'));
      if (o.kind === 'stock' && ln.returned_quantity < ln.quantity) {
        row.append(el('button', { type: 'button', onclick: () => send(`/api/orders/${o.id}/returns`, { line_id: ln.id, fit: sel.value, quantity: 1 }, 'Return registered.') }, 'Return one pair'));
      }
      row.append(msg);
      sec.append(row);
    }
    if (o.made_to_measure) {
      const m = o.made_to_measure;
      sec.append(el('p', { class: 'muted' }, `Made to measure from base last EU ${m.base_size_eu} ${m.base_width}; status ${m.status}.`));
    }
    box.append(sec);
  }
  window.__ready = true;
}
