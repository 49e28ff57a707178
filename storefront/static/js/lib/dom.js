// Small DOM helpers shared by the page scripts (no framework).
import { t, price } from 'shoestreet/lib/i18n/index.js';

/** Create an element: el('a', {href: '/x', class: 'y'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'style') node.style.cssText = v; // CSSOM: allowed under a CSP without inline styles
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function $(sel, root = document) { return root.querySelector(sel); }

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

export function flash(message, kind = 'info') {
  const box = document.getElementById('flash');
  if (!box) return;
  box.textContent = message;
  box.className = 'flash flash-' + kind;
  box.hidden = !message;
}

export function pageConfig() {
  const node = document.getElementById('page-config');
  try { return JSON.parse(node ? node.textContent : '{}') || {}; } catch { return {}; }
}

/** A price in whole won (an API *_krw field), formatted: see i18n/index.js. */
export function won(value) { return price(value); }

export function fmt(value, digits = 1) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

/** Messages for the API's error codes, in words the shopper can act on. */
const CODE_MESSAGES = {
  bad_credentials: 'That email and password do not match. Check both and try again.',
  invalid_token: 'That token is not valid. Check that you pasted the whole token.',
  token_expired: 'That token has expired. Ask for a new one.',
  login_required: 'Please sign in first (Account, top right).',
  csrf_failed: 'Your session changed in another tab. Reload the page and try again.',
  email_taken: 'An account with this email already exists. Sign in instead.',
  forbidden: 'This account cannot do that.',
  network: 'The shop could not be reached. Check your connection and try again.',
  rate_limited: 'Too many tries. Wait a minute and try again.',
  validation_failed: 'Some of the details are not right.',
};

/** A message the shopper can act on, from an ApiError or anything thrown. */
export function describeError(err) {
  if (!err) return t('Something went wrong.');
  if (err.code && CODE_MESSAGES[err.code]) return t(CODE_MESSAGES[err.code]);
  if (err.status === 401) return t('Please sign in first (Account, top right).');
  if (err.status === 429) return t(CODE_MESSAGES.rate_limited);
  return err.message || String(err);
}
