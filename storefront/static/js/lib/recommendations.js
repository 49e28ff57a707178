// The "recommended for your foot" list: top shoes with their best size, fit score and reasons.
// The number shown is the fit score (`fit_score`, the same as GET /api/fit's `score` for that
// scan and shoe); the ranking also weighs gait and stock, but that mix is not shown as a score.
import { el, clear } from 'shoestreet/lib/dom.js';
import { listOf, thumbImg } from 'shoestreet/lib/catalog.js';
import { fitScoreText, fitScore } from 'shoestreet/lib/fitText.js';
import { t, price } from 'shoestreet/lib/i18n/index.js';
import { reasonText } from 'shoestreet/lib/i18n/reasons.js';

export function recommendationItems(resp) {
  return listOf(resp, 'recommendations').length ? listOf(resp, 'recommendations') : listOf(resp, 'results');
}

function shoeOf(item) { return item.shoe || item.model || item; }

/** The fit score of a recommendation (the fit engine's, not the ranking mix). */
export function recFitScore(item) {
  return item.fit_score !== undefined ? item.fit_score : (item.fit && item.fit.score);
}

export function renderRecommendations(container, resp, { limit = 5 } = {}) {
  clear(container);
  const items = recommendationItems(resp).slice(0, limit);
  if (!items.length) {
    container.append(el('p', { class: 'muted' }, t('No shoe in the street fits this foot well yet.')));
    return [];
  }
  const list = el('ol', { class: 'rec-list' });
  for (const item of items) {
    const shoe = shoeOf(item);
    const id = item.shoe_id || item.model_id || shoe.id;
    const sizeText = item.best_size ? `EU ${item.best_size}${item.best_width ? ' ' + item.best_width : ''}` : '';
    const reasons = [].concat(item.reasons || []).slice(0, 3);
    const score = recFitScore(item);
    list.append(el('li', { class: 'rec', dataset: { shoe: id } },
      thumbImg(id, { small: true }),
      el('a', { href: `/shoe/${encodeURIComponent(id)}`, class: 'rec-name' }, shoe.name || id),
      el('span', { class: 'muted' }, ' ', [shoe.shop_name || shoe.brand || '', shoe.price_krw ? price(shoe.price_krw) : ''].filter(Boolean).join(' · ')),
      el('div', { class: 'rec-size' }, sizeText ? t('Your size: {size}', { size: sizeText }) : '',
        score !== undefined ? [' · ', el('span', { class: 'fit-score', dataset: { score: fitScore(score) } }, fitScoreText(score))] : null),
      reasons.length ? el('ul', { class: 'reasons' }, reasons.map((r) => el('li', {}, reasonText(r)))) : null,
    ));
  }
  container.append(list);
  return items;
}
