// Product page: 3D shoe, colourways, sizes with the shopper's fit verdicts, stock, add to cart.
// The fit score, verdicts and best size are the API's (GET /api/fit); a best size that is too
// short for the foot or sold out in the chosen colour is never marked "best" nor preselected.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, flash } from 'shoestreet/lib/dom.js';
import { currentScanId } from 'shoestreet/lib/catalog.js';
import { fitIndex, sizeKey, verdictClass, verdictLabel, fitScoreText, fitScore, tooShort } from 'shoestreet/lib/fitText.js';
import { hasWebGL } from 'shoestreet/lib/webgl.js';
import { t, price, lang } from 'shoestreet/lib/i18n/index.js';
import { category, toeBox, upper, colourName } from 'shoestreet/lib/i18n/labels.js';
import { reasonText } from 'shoestreet/lib/i18n/reasons.js';

function stockOf(size, cwId) {
  const st = size.stock || {};
  return Number(st[cwId] || 0);
}

/** Korean size (KS, mm): the foot length the size is made for, i.e. its Mondopoint. */
export function ksSize(size) {
  return size.mondopoint ?? size.kr_mm ?? null;
}

export function shoeMeta(shoe) {
  const tr = shoe.traits;
  const bits = [category(shoe.category)];
  if (tr) bits.push(toeBox(tr.toe_box), t('{n} mm heel-to-toe drop', { n: tr.drop_mm }), upper(tr.upper));
  return bits.join(' · ');
}

/** The catalogue's description (English, built from the traits); in Korean, the same from the traits. */
export function shoeDescription(shoe) {
  const tr = shoe.traits;
  if (lang() !== 'ko' || !tr) return shoe.description || '';
  const ride = tr.stability > 0.65 ? '안정적으로 잡아 주는 착화감' : '자연스럽게 휘어지는 중립형 착화감';
  const feel = tr.cushioning > 0.65 ? '푹신한 쿠션' : '지면 감각이 살아 있는 단단한 쿠션';
  return `${shoe.name}: ${ride}과 ${feel}을 갖춘 ${category(shoe.category)}입니다. ${toeBox(tr.toe_box)}, ${upper(tr.upper)}, 힐 드롭 ${tr.drop_mm} mm.`;
}

export default async function shoePage() {
  const { shoe_id: shoeId, user } = pageConfig();
  const shoe = await api.get(`/api/shoes/${encodeURIComponent(shoeId)}`);
  document.title = `${shoe.name} · ${t('Shoe Street')}`;
  document.getElementById('shoe-name').textContent = shoe.name;
  document.getElementById('shoe-meta').textContent = shoeMeta(shoe);
  const priceNode = document.getElementById('shoe-price');
  priceNode.textContent = price(shoe.price_krw);
  priceNode.dataset.won = shoe.price_krw;
  document.getElementById('shoe-desc').textContent = shoeDescription(shoe);
  const back = document.getElementById('back-to-shop');
  back.href = `/shop/${encodeURIComponent(shoe.shop_id)}`;
  back.textContent = t('← Back to the shop');
  document.getElementById('try-on-link').href = `/try-on/${encodeURIComponent(shoe.id)}`;
  document.getElementById('mtm-link').href = `/made-to-measure/${encodeURIComponent(shoe.id)}`;

  const state = { cw: (shoe.colourways || [])[0], size: null, fit: null };
  let view = null;
  const canvas = document.getElementById('shoe-canvas');
  const viewReady = (async () => {
    if (!hasWebGL()) { canvas.parentElement.hidden = true; return; }
    const { ShoeView } = await import('shoestreet/viewers/ShoeView.js');
    view = new ShoeView(canvas);
    window.__shoeView = view;
    await view.load((shoe.links && shoe.links.glb) || `/api/shoes/${encodeURIComponent(shoe.id)}/model.glb`);
    view.setColourway(state.cw);
  })();

  // The shoe built for the chosen size from that size's last (not the reference mesh stretched).
  async function showSize(size) {
    try { await viewReady; } catch { return; } // reported where the page awaits it
    if (!view || !size) return;
    const q = new URLSearchParams({ size: size.eu, width: size.width });
    await view.showBuilt(`/api/shoes/${encodeURIComponent(shoe.id)}/model.glb?${q}`, size, () => state.cw);
  }

  // Fit for the shopper's foot (when signed in with a scan).
  const summary = document.getElementById('fit-summary');
  const scan = user ? await currentScanId(user) : null;
  if (!user) summary.append(el('a', { href: `/account?next=${encodeURIComponent(location.pathname)}` }, t('Sign in')), ' ', t('and scan your foot to see how each size fits.'));
  else if (!scan) summary.append(el('a', { href: '/my-foot' }, t('Scan your foot or use the demo foot')), ' ', t('to see how each size fits.'));
  else {
    try {
      const resp = await api.get(`/api/fit?scan=${encodeURIComponent(scan)}&shoe=${encodeURIComponent(shoe.id)}`);
      state.fit = resp.fit || resp;
      const f = state.fit;
      const bestRow = (f.sizes || []).find((s) => Number(s.eu) === Number(f.best_size) && s.width === f.best_width);
      const scoreNode = el('span', { class: 'fit-score', dataset: { score: fitScore(f.score) } }, fitScoreText(f.score));
      if (tooShort(bestRow)) {
        summary.append(el('strong', { class: 'v-bad', id: 'no-size' }, t('No size of this shoe is long enough for your foot: even EU {eu} is too short.', { eu: f.best_size })),
          ' ', scoreNode);
      } else {
        const ks = ksSize((shoe.sizes || []).find((s) => Number(s.eu) === Number(f.best_size)) || {});
        const others = [`UK ${f.best_uk}`, `US M ${f.best_us_men} / W ${f.best_us_women}`];
        // Korean retail writes the mm size with the width letter ("265D"); EU leads in English.
        const main = lang() === 'ko' && ks
          ? t('Your size: {size}', { size: `${ks}${f.best_width || ''}` })
          : t('Your size: EU {eu} {width}', { eu: f.best_size, width: f.best_width || '' }).trim();
        if (lang() === 'ko' && ks) others.unshift(`EU ${f.best_size}`);
        else if (ks) others.unshift(t('KS {mm} mm', { mm: ks }));
        summary.append(el('strong', { id: 'your-size', dataset: { eu: f.best_size, ks: ks ?? '', width: f.best_width || '' } }, main),
          ` (${others.join(', ')}) · `, scoreNode);
      }
      if (f.reasons && f.reasons.length) summary.append(el('ul', { class: 'reasons' }, f.reasons.map((r) => el('li', {}, reasonText(r)))));
    } catch (err) {
      summary.append(el('span', { class: 'error' }, describeError(err)));
    }
  }
  const fits = fitIndex(state.fit);

  const cwBox = clear(document.getElementById('colourways'));
  const rows = document.getElementById('size-rows');
  const alertBox = document.getElementById('stock-alert');
  const addBtn = document.getElementById('add-to-cart');

  /** The API's best size, if it may be offered as "best" in the current colourway. */
  function bestSize() {
    if (!state.fit) return null;
    const s = (shoe.sizes || []).find((x) => Number(x.eu) === Number(state.fit.best_size) && x.width === state.fit.best_width);
    if (!s || tooShort(fits.get(sizeKey(s.eu, s.width))) || stockOf(s, state.cw && state.cw.id) <= 0) return null;
    return s;
  }

  function showSelected() {
    const node = clear(document.getElementById('selected-size'));
    if (!state.size) { node.textContent = t('Pick a size in the table below.'); return; }
    const f = fits.get(sizeKey(state.size.eu, state.size.width));
    node.append(t('Selected: EU {eu} {width} in {colour}', { eu: state.size.eu, width: state.size.width, colour: colourName(state.cw.name) }),
      ...(f ? [': ', el('span', { class: 'verdict ' + verdictClass(f.length_verdict) }, verdictLabel(f)),
        el('span', { class: 'sub' }, (f.reasons || []).map(reasonText).join('; '))] : []));
  }

  const koreanFirst = lang() === 'ko';

  function renderSizes() {
    clear(rows);
    let anyStock = false;
    const best = bestSize();
    const apiBest = state.fit ? sizeKey(state.fit.best_size, state.fit.best_width) : null;
    const sizes = [...(shoe.sizes || [])].sort((a, b) => a.eu - b.eu || String(a.width).localeCompare(b.width));
    for (const s of sizes) {
      const key = sizeKey(s.eu, s.width);
      const f = fits.get(key);
      const n = stockOf(s, state.cw && state.cw.id);
      anyStock = anyStock || n > 0;
      const isBest = best === s;
      const id = `size-${s.eu}-${s.width}`.replace(/[^a-zA-Z0-9-]/g, '_');
      const radio = el('input', { type: 'radio', name: 'size', id, value: key, disabled: n <= 0,
        'aria-label': `EU ${s.eu} ${s.width}${f ? ', ' + verdictLabel(f) : ''}${n <= 0 ? ', ' + t('sold out') : ''}` });
      radio.addEventListener('change', () => { state.size = s; addBtn.disabled = false; showSelected(); showSize(s); });
      if (state.size && state.size === s && n > 0) radio.checked = true;
      let mark = null;
      if (isBest) mark = el('span', { class: 'best-mark' }, ' ★ ', t('best'));
      else if (key === apiBest && !tooShort(f) && n <= 0) mark = el('span', { class: 'sub' }, t('best fit, sold out in this colour'));
      rows.append(el('tr', { class: [isBest ? 'best' : '', n <= 0 ? 'out' : ''].join(' ').trim(), dataset: { eu: s.eu, width: s.width, ks: ksSize(s) ?? '' } },
        el('td', {}, radio),
        // Korea sizes in mm first in Korean (as Korean shops label them), EU first in English.
        ...(koreanFirst
          ? [el('td', { class: 'ks' }, el('label', { for: id }, `${ksSize(s) ?? '–'}`), mark), el('td', { class: 'eu' }, `${s.eu}`)]
          : [el('td', { class: 'eu' }, el('label', { for: id }, `${s.eu}`), mark), el('td', { class: 'ks' }, ksSize(s) ?? '–')]),
        el('td', {}, s.uk), el('td', {}, `${s.us_men} M / ${s.us_women} W`), el('td', {}, s.width),
        el('td', { class: 'stock' }, n > 0 ? (n < 3 ? t('only {n} left', { n }) : `${n}`) : t('sold out')),
        el('td', { class: 'fit verdict ' + verdictClass(f && f.length_verdict) }, f ? verdictLabel(f) : '–',
          f && f.reasons ? el('span', { class: 'reasons-inline' }, f.reasons.map(reasonText).join('; ')) : null),
      ));
    }
    if (state.size && stockOf(state.size, state.cw.id) <= 0) state.size = null;
    addBtn.disabled = !state.size;
    showSelected();
    alertBox.hidden = anyStock;
    if (!anyStock) alertBox.textContent = t('{shoe} in {colour} is sold out in every size. Try another colourway, or order it made to measure.', { shoe: shoe.name, colour: state.cw ? colourName(state.cw.name) : '' });
  }

  for (const cw of shoe.colourways || []) {
    const b = el('button', { type: 'button', class: 'swatch', 'aria-pressed': String(cw === state.cw) },
      el('span', { class: 'chip', style: `background:${cw.upper_hex}` }), colourName(cw.name));
    b.addEventListener('click', () => {
      state.cw = cw;
      for (const x of cwBox.children) x.setAttribute('aria-pressed', String(x === b));
      if (view) view.setColourway(cw);
      renderSizes();
    });
    cwBox.append(b);
  }
  renderSizes();
  // Preselect the best size only when it fits in length and is in stock in this colour.
  const best = bestSize();
  if (best) { state.size = best; renderSizes(); showSize(best); }

  const msg = document.getElementById('cart-msg');
  addBtn.addEventListener('click', async () => {
    if (!user) { msg.textContent = t('Please sign in to add shoes to your cart.'); return; }
    if (!state.size) { msg.textContent = t('Pick a size first.'); return; }
    addBtn.disabled = true;
    try {
      const cart = await api.post('/api/cart', { shoe_id: shoe.id, size_eu: state.size.eu, width: state.size.width, colourway_id: state.cw.id, quantity: 1 });
      msg.textContent = t('Added EU {eu} {width} in {colour} to your cart.', { eu: state.size.eu, width: state.size.width, colour: colourName(state.cw.name) });
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
