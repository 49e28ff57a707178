// The "recommended for your foot" list: top shoes with their best size and reasons.
import { el, clear, euros, fmt } from 'shoestreet/street/dom.js';
import { listOf } from 'shoestreet/street/catalog.js';

export function recommendationItems(resp) {
  return listOf(resp, 'recommendations').length ? listOf(resp, 'recommendations') : listOf(resp, 'results');
}

function shoeOf(item) { return item.shoe || item.model || item; }

export function renderRecommendations(container, resp, { limit = 5 } = {}) {
  clear(container);
  const items = recommendationItems(resp).slice(0, limit);
  if (!items.length) {
    container.append(el('p', { class: 'muted' }, 'No shoe in the street fits this foot well yet.'));
    return [];
  }
  const list = el('ol', { class: 'rec-list' });
  for (const item of items) {
    const shoe = shoeOf(item);
    const id = item.shoe_id || item.model_id || shoe.id;
    const sizeText = item.best_size ? `EU ${item.best_size}${item.best_width ? ' ' + item.best_width : ''}` : '';
    const reasons = [].concat(item.reasons || []).slice(0, 3);
    list.append(el('li', { class: 'rec', dataset: { shoe: id } },
      el('a', { href: `/shoe/${encodeURIComponent(id)}`, class: 'rec-name' }, shoe.name || id),
      el('span', { class: 'muted' }, ' ', [shoe.shop_name || shoe.brand || '', shoe.price_eur ? euros(shoe.price_eur) : ''].filter(Boolean).join(' · ')),
      el('div', { class: 'rec-size' }, sizeText ? `Your size: ${sizeText}` : '', item.score !== undefined ? ` · match ${fmt(item.score, 0)}/100` : ''),
      reasons.length ? el('ul', { class: 'reasons' }, reasons.map((r) => el('li', {}, typeof r === 'string' ? r : r.text || r.message || JSON.stringify(r)))) : null,
    ));
  }
  container.append(list);
  return items;
}
