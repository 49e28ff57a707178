// Small DOM helpers shared by the page scripts (no framework).

/** Create an element: el('a', {href: '/x', class: 'y'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
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

export function euros(value) {
  return new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(Number(value) || 0);
}

export function fmt(value, digits = 1) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

/** A message the shopper can act on, from an ApiError or anything thrown. */
export function describeError(err) {
  if (!err) return 'Something went wrong.';
  if (err.status === 401) return 'Please sign in first (Account, top right).';
  return err.message || String(err);
}
