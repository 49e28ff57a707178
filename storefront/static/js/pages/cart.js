// Cart: lines with stock warnings, remove, total. Shoes by name, prices in won.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { shoeDetails, lineNames } from 'shoestreet/lib/catalog.js';
import { t, formatWon } from 'shoestreet/lib/i18n/index.js';
import { nameFromId, colourFromId } from 'shoestreet/lib/i18n/labels.js';

/** Total in won: the sum of the lines' rounded won prices, so the figures on the page add up. */
export function cartTotalWon(items) {
  return items.reduce((sum, it) => sum + it.unit_price_krw * it.quantity, 0);
}

export async function renderCart(box, cart, { onRemove } = {}) {
  const items = cart.items || [];
  const details = await shoeDetails(items.map((it) => it.shoe_id));
  clear(box);
  if (!items.length) {
    box.append(el('p', { id: 'cart-empty' }, t('Your cart is empty.'), ' ', el('a', { href: '/' }, t('Walk the street')), ' ', t('to find shoes.')));
    return 0;
  }
  const tb = el('tbody');
  for (const it of items) {
    const short = it.in_stock < it.quantity;
    const { name, colour } = lineNames(it, details);
    const label = name || nameFromId(it.shoe_id);
    tb.append(el('tr', { dataset: { item: it.id, shoe: it.shoe_id } },
      el('td', {}, el('a', { href: `/shoe/${encodeURIComponent(it.shoe_id)}`, class: 'line-name' }, label),
        el('span', { class: 'sub' }, t('EU {eu} {width}', { eu: it.size_eu, width: it.width || '' }).trim(), ' · ',
          colour || colourFromId(it.colourway_id, it.shoe_id), ' · ', t('qty {n}', { n: it.quantity }))),
      el('td', { class: 'num line-price' }, formatWon(it.unit_price_krw * it.quantity)),
      el('td', { class: short ? 'error' : '' }, short ? (it.in_stock ? t('only {n} left', { n: it.in_stock }) : t('sold out since you added it')) : t('in stock')),
      onRemove ? el('td', {}, el('button', { type: 'button', class: 'remove', 'aria-label': t('Remove {name}', { name: label }), onclick: () => onRemove(it) }, t('Remove'))) : null));
  }
  const heads = [t('Shoe'), t('Price'), t('Stock')];
  if (onRemove) heads.push(el('span', { class: 'visually-hidden' }, t('Remove')));
  box.append(el('div', { class: 'table-scroll' }, el('table', { class: 'cart-table' },
    el('thead', {}, el('tr', {}, heads.map((h, i) => el('th', { scope: 'col', class: i === 1 ? 'num' : '' }, h)))), tb)),
  el('p', { class: 'price', id: 'cart-total', dataset: { won: cartTotalWon(items) } }, t('Total {amount}', { amount: formatWon(cartTotalWon(items)) })));
  return items.length;
}

export default async function cartPage() {
  const { user } = pageConfig();
  const box = document.getElementById('cart-body');
  const toCheckout = document.getElementById('to-checkout');
  if (!user) {
    clear(box).append(el('p', {}, el('a', { href: '/account?next=/cart' }, t('Sign in')), ' ', t('to see your cart.')));
    toCheckout.hidden = true;
    window.__ready = true;
    return;
  }
  const draw = async (cart) => {
    const n = await renderCart(box, cart, { onRemove: async (it) => {
      try { await draw(await api.del(`/api/cart/${it.id}`)); } catch (err) { box.prepend(el('p', { class: 'error' }, describeError(err))); }
    } });
    toCheckout.hidden = !n;
    const count = (cart.items || []).reduce((k, i) => k + i.quantity, 0);
    document.getElementById('cart-count').textContent = count ? String(count) : '';
  };
  await draw(await api.get('/api/cart'));
  window.__ready = true;
}
