// Cart: lines with stock warnings, remove, total.
import { api } from 'shoestreet/street/ApiClient.js';
import { el, clear, pageConfig, euros, describeError } from 'shoestreet/street/dom.js';

export function renderCart(box, cart, { onRemove } = {}) {
  clear(box);
  const items = cart.items || [];
  if (!items.length) { box.append(el('p', {}, 'Your cart is empty. ', el('a', { href: '/' }, 'Walk the street'), ' to find shoes.')); return 0; }
  const tb = el('tbody');
  for (const it of items) {
    const short = it.in_stock < it.quantity;
    tb.append(el('tr', { dataset: { item: it.id } },
      el('td', {}, el('a', { href: `/shoe/${encodeURIComponent(it.shoe_id)}` }, it.shoe_id)),
      el('td', {}, `EU ${it.size_eu} ${it.width || ''}`), el('td', {}, it.colourway_id.replace(it.shoe_id + '-', '')),
      el('td', {}, it.quantity), el('td', {}, euros(it.unit_price_eur * it.quantity)),
      el('td', { class: short ? 'error' : '' }, short ? (it.in_stock ? `only ${it.in_stock} left` : 'sold out since you added it') : 'in stock'),
      onRemove ? el('td', {}, el('button', { type: 'button', onclick: () => onRemove(it) }, 'Remove')) : null));
  }
  box.append(el('table', {}, el('thead', {}, el('tr', {}, ['Shoe', 'Size', 'Colour', 'Qty', 'Price', 'Stock', ''].slice(0, onRemove ? 7 : 6).map((h) => el('th', { scope: 'col' }, h)))), tb),
    el('p', { class: 'price', id: 'cart-total' }, `Total ${euros(cart.total_eur)}`));
  return items.length;
}

export default async function cartPage() {
  const { user } = pageConfig();
  const box = document.getElementById('cart-body');
  if (!user) { clear(box).append(el('p', {}, el('a', { href: '/account' }, 'Sign in'), ' to see your cart.')); window.__ready = true; return; }
  const draw = (cart) => {
    const n = renderCart(box, cart, { onRemove: async (it) => {
      try { draw(await api.del(`/api/cart/${it.id}`)); } catch (err) { box.prepend(el('p', { class: 'error' }, describeError(err))); }
    } });
    document.getElementById('to-checkout').hidden = !n;
  };
  draw(await api.get('/api/cart'));
  window.__ready = true;
}
