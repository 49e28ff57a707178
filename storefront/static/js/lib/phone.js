// Korean phone numbers on forms. The server is the truth: which numbers are accepted is
// storefront/shop/delivery.py's PHONE_PATTERN, which the page carries on the phone input as
// data-phone-pattern. These functions only strip what the server strips and apply that pattern
// the same way (the national digits must match it in full), so the page accepts exactly what
// the API accepts: mobiles 010/011/016-019, Seoul 02, area codes 031-064 (051 Busan) and 070,
// written with or without hyphens, spaces, dots or brackets, or with +82 / 0082.

/** The national digits of a typed number: separators removed, +82 / 0082 -> trunk 0. */
export function phoneDigits(raw) {
  let d = String(raw || '').replace(/[\s\-.()]/g, '');
  if (d.startsWith('+82')) d = `0${d.slice(3).replace(/^0+/, '')}`;
  else if (d.startsWith('0082')) d = `0${d.slice(4).replace(/^0+/, '')}`;
  return d;
}

/** True when the server would accept this number (pattern: the server's PHONE_PATTERN). */
export function phoneAccepted(raw, pattern) {
  const d = phoneDigits(raw);
  return /^[0-9]+$/.test(d) && new RegExp(`^(?:${pattern})$`).test(d);
}

/** Hyphens as the number is typed: 02-123-4567, 051-123-4567, 010-1234-5678. A number typed
 * with + is left as it is (the server rewrites +82). */
export function formatPhone(raw) {
  const value = String(raw || '');
  if (value.trim().startsWith('+')) return value;
  const d = value.replace(/\D/g, '').slice(0, 11);
  const head = d.startsWith('02') ? 2 : 3;
  if (d.length <= head) return d;
  const rest = d.slice(head);
  if (rest.length <= 4) return `${d.slice(0, head)}-${rest}`;
  const middle = rest.length > 7 ? 4 : 3;
  return `${d.slice(0, head)}-${rest.slice(0, middle)}-${rest.slice(middle)}`;
}
