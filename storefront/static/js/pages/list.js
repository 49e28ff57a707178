// The plain list (no WebGL needed): every shop and shoe, with the shopper's best size and fit.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { t, price } from 'shoestreet/lib/i18n/index.js';
import { category } from 'shoestreet/lib/i18n/labels.js';
import { fitScore, fitScoreText } from 'shoestreet/lib/fitText.js';
import { reasonText } from 'shoestreet/lib/i18n/reasons.js';
import { fetchShops, currentScanId, currentGaitId, thumbImg } from 'shoestreet/lib/catalog.js';
import { recommendationItems, recFitScore } from 'shoestreet/lib/recommendations.js';

export default async function listPage() {
  const { user } = pageConfig();
  const shops = await fetchShops();
  const foot = document.getElementById('list-foot');
  const fitById = new Map();
  const scan = user ? await currentScanId(user) : null;
  if (!scan) {
    clear(foot).append(user ? el('a', { href: '/my-foot' }, t('Scan your foot or use the demo foot')) : el('a', { href: '/account?next=/list' }, t('Sign in')), ' ', t('to see your size and fit for every shoe.'));
  } else {
    try {
      const gait = await currentGaitId(user);
      const q = new URLSearchParams({ scan, top_n: '50' });
      if (gait) q.set('gait', gait);
      const recs = recommendationItems(await api.get('/api/recommendations?' + q));
      recs.forEach((r, i) => fitById.set(r.shoe_id || r.model_id || (r.shoe && r.shoe.id), { ...r, rank: i + 1 }));
      foot.textContent = t('Fit shown for your foot scan {scan}. Ranked picks are numbered.', { scan });
    } catch (err) {
      foot.textContent = describeError(err);
    }
  }
  const body = clear(document.getElementById('list-body'));
  for (const shop of shops) {
    const ul = el('ul', { class: 'card-grid' });
    for (const m of shop.models || []) {
      const r = fitById.get(m.id);
      const score = r ? recFitScore(r) : undefined;
      ul.append(el('li', { class: 'card', dataset: { shoe: m.id } },
        el('a', { href: `/shoe/${encodeURIComponent(m.id)}`, tabindex: '-1', 'aria-hidden': 'true' }, thumbImg(m.id)),
        el('h3', {}, r ? `#${r.rank} ` : '', el('a', { href: `/shoe/${encodeURIComponent(m.id)}` }, m.name)),
        el('div', { class: 'muted' }, `${category(m.category)} · `, el('span', { class: 'price-tag' }, price(m.price_krw))),
        r && r.best_size ? el('div', {}, t('Your size: {size}', { size: `EU ${r.best_size} ${r.best_width || ''}`.trim() }),
          score !== undefined ? [' · ', el('span', { class: 'fit-score', dataset: { score: fitScore(score) } }, fitScoreText(score))] : null) : null,
        r && r.reasons ? el('ul', { class: 'reasons' }, [].concat(r.reasons).slice(0, 2).map((x) => el('li', {}, reasonText(x)))) : null));
    }
    body.append(el('section', {}, el('h2', {}, el('a', { href: `/shop/${encodeURIComponent(shop.id)}` }, shop.name), ' ', el('span', { class: 'muted' }, t(shop.tagline || ''))), ul));
  }
  window.__ready = true;
}
