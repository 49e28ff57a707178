// Inside one shop: the 3D room with shelves, and the same shoes as an accessible list.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig } from 'shoestreet/lib/dom.js';
import { listOf, thumbImg } from 'shoestreet/lib/catalog.js';
import { hasWebGL } from 'shoestreet/lib/webgl.js';
import { t, price } from 'shoestreet/lib/i18n/index.js';
import { category } from 'shoestreet/lib/i18n/labels.js';
import { shoeDescription } from 'shoestreet/pages/shoe.js';

export default async function shopPage() {
  const { shop_id: shopId } = pageConfig();
  const data = await api.get(`/api/shops/${encodeURIComponent(shopId)}`);
  const shop = data.shop || data;
  const models = listOf(data.models || data, 'models');
  document.title = `${shop.name} · ${t('Shoe Street')}`;
  document.getElementById('shop-name').textContent = shop.name;
  document.getElementById('shop-tagline').textContent = t(shop.tagline || '');
  const list = clear(document.getElementById('shop-shoes'));
  for (const m of models) {
    list.append(el('li', { class: 'card', dataset: { shoe: m.id } },
      el('a', { href: `/shoe/${encodeURIComponent(m.id)}`, tabindex: '-1', 'aria-hidden': 'true' }, thumbImg(m.id)),
      el('h3', {}, el('a', { href: `/shoe/${encodeURIComponent(m.id)}` }, m.name)),
      el('div', { class: 'muted' }, `${category(m.category)} · `, el('span', { class: 'price-tag' }, price(m.price_krw))),
      el('p', {}, shoeDescription(m))));
  }
  const canvas = document.getElementById('shop-canvas');
  if (!hasWebGL()) {
    canvas.parentElement.hidden = true;
    window.__ready = true;
    return;
  }
  const { ShopInterior } = await import('shoestreet/viewers/ShopInterior.js');
  const hover = document.getElementById('shop-hover');
  const room = new ShopInterior(canvas, shop, models, {
    onPick: (m) => { window.location.href = `/shoe/${encodeURIComponent(m.id)}`; },
    onHover: (m) => { hover.hidden = !m; if (m) hover.textContent = `${m.name} · ${price(m.price_krw)} · ${t(window.matchMedia('(pointer: coarse)').matches ? 'tap to open' : 'click to open')}`; },
  });
  window.__shop = room;
  await room.populate();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  window.__ready = true;
}
