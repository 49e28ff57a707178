// Product page: 3D shoe, colourways, sizes with the shopper's fit verdicts, stock, add to cart.
import { api } from 'shoestreet/street/ApiClient.js';
import { el, clear, pageConfig, euros, describeError, flash } from 'shoestreet/street/dom.js';
import { currentScanId } from 'shoestreet/street/catalog.js';
import { fitIndex, sizeKey, verdictClass, verdictLabel } from 'shoestreet/street/fitText.js';
import { hasWebGL } from 'shoestreet/street/three-utils.js';

function stockOf(size, cwId) {
  const st = size.stock || {};
  return Number(st[cwId] || 0);
}

export default async function shoePage() {
  const { shoe_id: shoeId, user } = pageConfig();
  const shoe = await api.get(`/api/shoes/${encodeURIComponent(shoeId)}`);
  document.title = `${shoe.name} · Shoe Street`;
  document.getElementById('shoe-name').textContent = shoe.name;
  document.getElementById('shoe-meta').textContent = `${shoe.category} · ${shoe.traits ? `${shoe.traits.toe_box} toe box, ${shoe.traits.drop_mm} mm drop, ${shoe.traits.upper} upper` : ''}`;
  document.getElementById('shoe-price').textContent = euros(shoe.price_eur);
  document.getElementById('shoe-desc').textContent = shoe.description || '';
  const back = document.getElementById('back-to-shop');
  back.href = `/shop/${encodeURIComponent(shoe.shop_id)}`;
  back.textContent = '← Back to the shop';
  document.getElementById('try-on-link').href = `/try-on/${encodeURIComponent(shoe.id)}`;
  document.getElementById('mtm-link').href = `/made-to-measure/${encodeURIComponent(shoe.id)}`;

  const state = { cw: (shoe.colourways || [])[0], size: null, fit: null };
  let view = null;
  const canvas = document.getElementById('shoe-canvas');
  const viewReady = (async () => {
    if (!hasWebGL()) { canvas.parentElement.hidden = true; return; }
    const { ShoeView } = await import('shoestreet/street/ShoeView.js');
    view = new ShoeView(canvas);
    window.__shoeView = view;
    await view.load((shoe.links && shoe.links.glb) || `/api/shoes/${encodeURIComponent(shoe.id)}/model.glb`);
    view.setColourway(state.cw);
  })();

  // Fit for the shopper's foot (when signed in with a scan).
  const summary = document.getElementById('fit-summary');
  const scan = user ? await currentScanId(user) : null;
  if (!user) summary.append(el('a', { href: '/account' }, 'Sign in'), ' and scan your foot to see how each size fits.');
  else if (!scan) summary.append(el('a', { href: '/my-foot' }, 'Scan your foot or use the demo foot'), ' to see how each size fits.');
  else {
    try {
      const resp = await api.get(`/api/fit?scan=${encodeURIComponent(scan)}&shoe=${encodeURIComponent(shoe.id)}`);
      state.fit = resp.fit || resp;
      const f = state.fit;
      summary.append(
        el('strong', {}, `Your size: EU ${f.best_size}${f.best_width ? ' ' + f.best_width : ''}`),
        ` (UK ${f.best_uk}, US men ${f.best_us_men}, US women ${f.best_us_women}) · fit score ${Math.round(f.score)}/100`,
        f.reasons && f.reasons.length ? el('ul', { class: 'reasons' }, f.reasons.map((r) => el('li', {}, r))) : null,
      );
    } catch (err) {
      summary.append(el('span', { class: 'error' }, describeError(err)));
    }
  }
  const fits = fitIndex(state.fit);

  const cwBox = clear(document.getElementById('colourways'));
  const rows = document.getElementById('size-rows');
  const alertBox = document.getElementById('stock-alert');
  const addBtn = document.getElementById('add-to-cart');

  function showSelected() {
    document.getElementById('selected-size').textContent = state.size
      ? `Selected: EU ${state.size.eu} ${state.size.width} in ${state.cw.name}` : 'Pick a size in the table below.';
  }

  function renderSizes() {
    clear(rows);
    let anyStock = false;
    const sizes = [...(shoe.sizes || [])].sort((a, b) => a.eu - b.eu || String(a.width).localeCompare(b.width));
    for (const s of sizes) {
      const f = fits.get(sizeKey(s.eu, s.width));
      const n = stockOf(s, state.cw && state.cw.id);
      anyStock = anyStock || n > 0;
      const best = state.fit && Number(state.fit.best_size) === Number(s.eu) && state.fit.best_width === s.width;
      const id = `size-${s.eu}-${s.width}`.replace(/[^a-zA-Z0-9-]/g, '_');
      const radio = el('input', { type: 'radio', name: 'size', id, value: sizeKey(s.eu, s.width), disabled: n <= 0,
        'aria-label': `EU ${s.eu} ${s.width}${f ? ', ' + verdictLabel(f) : ''}${n <= 0 ? ', sold out' : ''}` });
      radio.addEventListener('change', () => { state.size = s; addBtn.disabled = false; showSelected(); });
      if (state.size && state.size === s && n > 0) radio.checked = true;
      rows.append(el('tr', { class: [best ? 'best' : '', n <= 0 ? 'out' : ''].join(' ').trim(), dataset: { eu: s.eu, width: s.width } },
        el('td', {}, radio),
        el('td', {}, el('label', { for: id }, `${s.eu}`), best ? el('span', { class: 'muted' }, ' ★ best') : null),
        el('td', {}, s.uk), el('td', {}, `${s.us_men} M / ${s.us_women} W`), el('td', {}, s.width),
        el('td', {}, n > 0 ? (n < 3 ? `only ${n} left` : `${n}`) : 'sold out'),
        el('td', { class: 'verdict ' + verdictClass(f && f.length_verdict) }, f ? verdictLabel(f) : '–'),
        el('td', { class: 'why' }, f && f.reasons ? f.reasons.join('; ') : ''),
      ));
    }
    if (state.size && stockOf(state.size, state.cw.id) <= 0) state.size = null;
    addBtn.disabled = !state.size;
    showSelected();
    alertBox.hidden = anyStock;
    if (!anyStock) alertBox.textContent = `${shoe.name} in ${state.cw ? state.cw.name : 'this colour'} is sold out in every size. Try another colourway, or order it made to measure.`;
  }

  for (const cw of shoe.colourways || []) {
    const b = el('button', { type: 'button', class: 'swatch', 'aria-pressed': String(cw === state.cw) },
      el('span', { class: 'chip', style: `background:${cw.upper_hex}` }), cw.name);
    b.addEventListener('click', () => {
      state.cw = cw;
      for (const x of cwBox.children) x.setAttribute('aria-pressed', String(x === b));
      if (view) view.setColourway(cw);
      renderSizes();
    });
    cwBox.append(b);
  }
  renderSizes();
  // Preselect the best size when it is in stock.
  if (state.fit) {
    const best = (shoe.sizes || []).find((s) => Number(s.eu) === Number(state.fit.best_size) && s.width === state.fit.best_width);
    if (best && stockOf(best, state.cw.id) > 0) { state.size = best; renderSizes(); }
  }

  const msg = document.getElementById('cart-msg');
  addBtn.addEventListener('click', async () => {
    if (!user) { msg.textContent = 'Please sign in to add shoes to your cart.'; return; }
    if (!state.size) { msg.textContent = 'Pick a size first.'; return; }
    addBtn.disabled = true;
    try {
      const cart = await api.post('/api/cart', { shoe_id: shoe.id, size_eu: state.size.eu, width: state.size.width, colourway_id: state.cw.id, quantity: 1 });
      msg.textContent = `Added EU ${state.size.eu} ${state.size.width} in ${state.cw.name} to your cart.`;
      const count = (cart.items || []).reduce((n, i) => n + i.quantity, 0);
      document.getElementById('cart-count').textContent = count ? String(count) : '';
    } catch (err) {
      msg.textContent = describeError(err);
    } finally {
      addBtn.disabled = false;
    }
  });
  await viewReady.catch((err) => flash(describeError(err), 'error'));
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  window.__ready = true;
}
