// The street page: 3D street, minimap + jump list, recommendations panel.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { fetchShops, fetchShopModels, glbUrl, currentScanId, currentGaitId, forgetScan } from 'shoestreet/lib/catalog.js';
import { renderRecommendations } from 'shoestreet/lib/recommendations.js';
import { t } from 'shoestreet/lib/i18n/index.js';

async function loadRecommendations(user) {
  const body = document.getElementById('rec-body');
  if (!user) {
    clear(body).append(el('p', {}, el('a', { href: '/account' }, t('Sign in')), ' ', t('and scan your foot (or use the demo foot) to see the shoes that fit you.')));
    return;
  }
  const scan = await currentScanId(user);
  if (!scan) {
    clear(body).append(el('p', {}, t('No foot scan yet.'), ' ', el('a', { href: '/my-foot' }, t('Scan your foot or use the demo foot'))));
    return;
  }
  const gait = await currentGaitId(user);
  const q = new URLSearchParams({ scan });
  if (gait) q.set('gait', gait);
  try {
    renderRecommendations(body, await api.get('/api/recommendations?' + q));
  } catch (err) {
    // A remembered scan or session that no longer exists (deleted, other account): forget it.
    if (err.status === 404) { forgetScan(); localStorage.removeItem('shoestreet.gaitId'); }
    clear(body).append(el('p', { class: 'error' }, describeError(err), err.status === 404 ? ' ' + t('Reload to use your latest scan.') : ''));
  }
}

function isTouch() { return !!(window.matchMedia && window.matchMedia('(pointer: coarse)').matches); }

/** Touch screens have no Enter key: say what works on the device in hand. */
export function enterPrompt(shopName) {
  return isTouch() ? t('Tap the building to go into {shop}', { shop: shopName })
    : t('Press Enter or click the building to go into {shop}', { shop: shopName });
}

function goToShop(shop) { window.location.href = `/shop/${encodeURIComponent(shop.id)}`; }

export default async function street() {
  const { user } = pageConfig();
  const shops = await fetchShops();
  const recs = loadRecommendations(user);
  const jump = document.getElementById('shop-jump');
  const { hasWebGL } = await import('shoestreet/lib/webgl.js');
  if (!hasWebGL()) {
    document.getElementById('nowebgl').hidden = false;
    document.getElementById('street-canvas').hidden = true;
    for (const shop of shops) jump.append(el('li', {}, el('a', { href: `/shop/${encodeURIComponent(shop.id)}` }, shop.name)));
    await recs;
    return;
  }
  const [{ Street }, { Minimap }] = await Promise.all([
    import('shoestreet/viewers/Street.js'),
    import('shoestreet/viewers/Minimap.js'),
  ]);
  const canvas = document.getElementById('street-canvas');
  // Touch screens have no Enter key: the screen-reader label says what works on the device.
  if (isTouch() && canvas.dataset.touchLabel) canvas.setAttribute('aria-label', canvas.dataset.touchLabel);
  const prompt = document.getElementById('enter-prompt');
  let minimap = null;
  const street = new Street(canvas, shops, {
    onEnterShop: goToShop,
    onMove: (walker, near) => {
      if (minimap) minimap.draw(walker);
      prompt.hidden = !near;
      if (near) prompt.textContent = enterPrompt(near.shop.name);
    },
  });
  window.__street = street;
  minimap = new Minimap(document.getElementById('minimap'), street.buildings, street.bounds, (b) => street.jumpTo(b.shop.id));
  street.controls.bindPad(document.querySelector('.touch-pad'));
  for (const b of street.buildings) {
    jump.append(el('li', {},
      el('button', { type: 'button', onclick: () => { street.jumpTo(b.shop.id); canvas.focus(); } }, b.shop.name),
      ' ', el('a', { href: `/shop/${encodeURIComponent(b.shop.id)}` }, t('go in →'),
        el('span', { class: 'visually-hidden' }, ' ' + b.shop.name))));
  }
  street.requestRender();
  canvas.focus({ preventScroll: true });
  await recs;
  // Shop-window shoes come after the first frame: they are decoration, not first-render weight.
  const { loadGLB, normaliseShoe, applyColourway } = await import('shoestreet/viewers/models.js');
  const waitReady = () => new Promise((r) => (window.__ready ? r() : setTimeout(() => waitReady().then(r), 50)));
  await waitReady();
  const dressed = await Promise.all(street.buildings.map(async (b) => {
    try {
      const models = await fetchShopModels(b.shop);
      if (!models.length) return null;
      const m = models[0];
      const obj = normaliseShoe(await loadGLB(glbUrl(m)));
      applyColourway(obj, (m.colourways || [])[0]);
      return { building: b, object: obj };
    } catch (err) {
      console.warn('shop window model skipped:', err.message);
      return null;
    }
  }));
  // All the window shoes become one more merged mesh: one draw call, not three per shoe.
  street.dressWindows(dressed.filter(Boolean));
  window.__windowsDressed = true;
}
