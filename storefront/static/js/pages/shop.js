// Inside one shop: the 3D room with shelves, and the same shoes as an accessible list.
import { api } from 'shoestreet/street/ApiClient.js';
import { el, clear, pageConfig, euros } from 'shoestreet/street/dom.js';
import { listOf } from 'shoestreet/street/catalog.js';
import { hasWebGL } from 'shoestreet/street/three-utils.js';
import { t } from 'shoestreet/i18n/index.js';
import { category } from 'shoestreet/i18n/labels.js';
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
    list.append(el('li', { class: 'card' },
      el('h3', {}, el('a', { href: `/shoe/${encodeURIComponent(m.id)}` }, m.name)),
      el('div', { class: 'muted' }, `${category(m.category)} · `, el('span', { class: 'price-tag' }, euros(m.price_eur))),
      el('p', {}, shoeDescription(m))));
  }
  const canvas = document.getElementById('shop-canvas');
  if (!hasWebGL()) {
    canvas.parentElement.hidden = true;
    window.__ready = true;
    return;
  }
  const { ShopInterior } = await import('shoestreet/street/ShopInterior.js');
  const hover = document.getElementById('shop-hover');
  const room = new ShopInterior(canvas, shop, models, {
    onPick: (m) => { window.location.href = `/shoe/${encodeURIComponent(m.id)}`; },
    onHover: (m) => { hover.hidden = !m; if (m) hover.textContent = `${m.name} · ${euros(m.price_eur)} · ${t(window.matchMedia('(pointer: coarse)').matches ? 'tap to open' : 'click to open')}`; },
  });
  window.__shop = room;
  await room.populate();
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  window.__ready = true;
}
