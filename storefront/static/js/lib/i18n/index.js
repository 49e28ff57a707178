// One message catalogue for the front end. Messages are written in English in the code; the page
// carries the Korean catalogue (storefront/i18n/ko.json, the same file the server's templates use)
// as JSON in <script type="application/json" id="i18n"> when the page language is Korean.
//
//   t('Added {what} to your cart.', { what })  ->  '{what}을(를) 장바구니에 담았습니다.' in Korean
//
// Money: the shop's currency of record is the Korean won. The API sends whole won in fields
// ending in _krw (price_krw, unit_price_krw, total_krw); the front end only formats them, there
// is no exchange rate and no rounding anywhere (storefront/catalog/pricing.py).

let catalog = null;

function readCatalog() {
  if (catalog) return catalog;
  const node = document.getElementById('i18n');
  try { catalog = node ? JSON.parse(node.textContent) || {} : {}; } catch { catalog = {}; }
  return catalog;
}

/** The page language: 'ko' or 'en' (from <html lang>, set by the server from the cookie). */
export function lang() {
  return (document.documentElement.lang || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function locale() { return lang() === 'ko' ? 'ko-KR' : 'en-GB'; }

/** Translate an English message and fill its {placeholders}. */
export function t(message, vars = {}) {
  const cat = lang() === 'ko' ? readCatalog() : {};
  const text = Object.prototype.hasOwnProperty.call(cat, message) ? cat[message] : message;
  return text.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined || vars[k] === null ? m : String(vars[k])));
}

/** Format whole won: "129,000원" in Korean, "₩129,000" in English; no decimals. */
export function formatWon(won) {
  const n = Math.round(Number(won) || 0);
  const digits = new Intl.NumberFormat('ko-KR', { maximumFractionDigits: 0 }).format(n);
  return lang() === 'ko' ? `${digits}원` : `₩${digits}`;
}

/** A price in whole won (an API *_krw field) as Korean shops write it. */
export function price(won) { return formatWon(won); }

/** Load the Korean web font's glyphs for text drawn on a canvas (3D labels), where the page's
 * re-layout cannot fix missing glyphs later. Resolves at once when a system font covers them. */
export function fontsFor(text) {
  if (lang() !== 'ko' || !document.fonts || !document.fonts.load) return Promise.resolve();
  return document.fonts.load('16px "Shoe Street Nanum Gothic"', text).then(() => undefined, () => undefined);
}

export function formatDate(iso, withTime = false) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const opts = withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(locale(), { ...opts, timeZone: 'Asia/Seoul' }).format(d);
}

export function formatNumber(value, digits = 0) {
  const n = Number(value);
  if (!Number.isFinite(n)) return '–';
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}
