// Bootstraps the page: picks the page module named by <body data-page> and runs it.
// Pages without 3D never download three.js.
import { flash, describeError, pageConfig } from 'shoestreet/lib/dom.js';
import { t } from 'shoestreet/lib/i18n/index.js';

const PAGES = {
  'street': () => import('shoestreet/pages/street.js'),
  'list': () => import('shoestreet/pages/list.js'),
  'shop': () => import('shoestreet/pages/shop.js'),
  'shoe': () => import('shoestreet/pages/shoe.js'),
  'my-foot': () => import('shoestreet/pages/myFoot.js'),
  'try-on': () => import('shoestreet/pages/tryOn.js'),
  'cart': () => import('shoestreet/pages/cart.js'),
  'checkout': () => import('shoestreet/pages/checkout.js'),
  'orders': () => import('shoestreet/pages/orders.js'),
  'mtm': () => import('shoestreet/pages/mtm.js'),
  'gait': () => import('shoestreet/pages/gait.js'),
  'gait-report': () => import('shoestreet/pages/gaitReport.js'),
  'manufacturer': () => import('shoestreet/pages/manufacturer.js'),
  'account': () => import('shoestreet/pages/account.js'),
  'scan-guide': () => import('shoestreet/pages/scanGuide.js'),
  'care': () => import('shoestreet/pages/care.js'),
  'care-report': () => import('shoestreet/pages/careReport.js'),
  'care-consent': () => import('shoestreet/pages/careAccount.js'),
};

function showAccount() {
  const slot = document.getElementById('account-slot');
  const user = pageConfig().user;
  if (slot && user) slot.querySelector('a').textContent = user.display_name || user.email || t('Account');
  if (user && user.role === 'shopper') {
    // The cart badge; a failure here must not disturb the page.
    import('shoestreet/lib/api.js')
      .then(({ api }) => api.get('/api/cart'))
      .then((cart) => {
        const n = (cart.items || []).reduce((k, i) => k + i.quantity, 0);
        document.getElementById('cart-count').textContent = n ? String(n) : '';
      })
      .catch(() => {});
  }
}

/**
 * When a slice of the self-hosted Korean font arrives, Chromium does not always re-lay out text it
 * first drew with the missing-glyph box; a style change that looks the same forces that re-layout.
 */
function relayoutOnFontLoad() {
  if (!document.fonts || !document.fonts.addEventListener) return;
  // A new value each time (two loads in one frame must not cancel out), far below a pixel.
  let n = 0;
  const tick = () => { n += 1; document.body.style.letterSpacing = `${(n % 500) / 1e5}px`; };
  document.fonts.addEventListener('loadingdone', tick);
  document.fonts.ready.then(tick);
}

async function boot() {
  relayoutOnFontLoad();
  showAccount();
  const name = document.body.dataset.page;
  const load = PAGES[name];
  if (!load) { window.__ready = true; return; }
  try {
    const mod = await load();
    await mod.default();
  } catch (err) {
    // Keep the page usable and say what failed; the console line is for developers.
    flash(describeError(err), 'error');
    console.warn('page failed:', err);
    window.__pageError = describeError(err);
  }
}

boot();
