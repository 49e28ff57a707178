// Catalog and "my data" helpers shared by the pages: normalise API shapes, remember the
// shopper's current scan and gait session ids.
import { api } from 'shoestreet/lib/api.js';
import { el } from 'shoestreet/lib/dom.js';
import { colourName } from 'shoestreet/lib/i18n/labels.js';

const SCAN_KEY = 'shoestreet.scanId';
const GAIT_KEY = 'shoestreet.gaitId';

export function listOf(resp, key) {
  if (Array.isArray(resp)) return resp;
  if (resp && Array.isArray(resp[key])) return resp[key];
  if (resp && Array.isArray(resp.items)) return resp.items;
  return [];
}

export async function fetchShops() {
  return listOf(await api.get('/api/shops'), 'shops');
}

/** The models of one shop (from the shop list if it embeds them, else the shop endpoint). */
export async function fetchShopModels(shop) {
  if (Array.isArray(shop.models) && shop.models.length && typeof shop.models[0] === 'object') return shop.models;
  const data = await api.get(`/api/shops/${encodeURIComponent(shop.id)}`);
  return listOf(data && data.models ? data.models : data, 'models');
}

export function glbUrl(model) {
  if (model.glb_url) return model.glb_url;
  if (model.links && model.links.glb) return model.links.glb;
  return `/api/shoes/${encodeURIComponent(model.id)}/model.glb`;
}

/**
 * The product thumbnail of a model (rendered from its 3D model at build time by
 * `python -m storefront.catalog.build`, served as a static file).
 */
export function thumbUrl(modelId) {
  const base = document.body.dataset.thumbs || '/static/img/shoes/';
  return `${base}${encodeURIComponent(modelId)}.png`;
}

/** An <img> of the thumbnail; decorative (alt ""), because the shoe's name is next to it. */
export function thumbImg(modelId, { small = false } = {}) {
  return el('img', { class: small ? 'thumb thumb-small' : 'thumb', src: thumbUrl(modelId), alt: '', width: small ? 96 : 240, height: small ? 60 : 150, loading: 'lazy', decoding: 'async' });
}

export function rememberScan(id) { if (id) localStorage.setItem(SCAN_KEY, String(id)); }
export function rememberGait(id) { if (id) localStorage.setItem(GAIT_KEY, String(id)); }
export function forgetScan() { localStorage.removeItem(SCAN_KEY); }

/** The shopper's current scan id: the one picked on "My foot", else their newest finished scan. */
export async function currentScanId(user) {
  const stored = localStorage.getItem(SCAN_KEY);
  if (stored) return stored;
  if (!user) return null;
  const scans = listOf(await api.get('/api/scans').catch(() => []), 'scans');
  const done = scans.filter((s) => s.status === 'done').sort((a, b) => b.id - a.id)[0];
  if (done) { rememberScan(done.id); return String(done.id); }
  return null;
}

export async function currentGaitId(user) {
  const stored = localStorage.getItem(GAIT_KEY);
  if (stored) return stored;
  if (!user) return null;
  const sessions = listOf(await api.get('/api/gait/sessions').catch(() => []), 'sessions');
  const done = sessions.filter((s) => !s.status || s.status === 'done').sort((a, b) => b.id - a.id)[0];
  if (done) { rememberGait(done.id); return String(done.id); }
  return null;
}

const shoeCache = new Map();
/** The catalogue entries (name, colourways, sizes) of these shoe ids, fetched once each. */
export async function shoeDetails(ids) {
  const out = new Map();
  await Promise.all([...new Set(ids)].map(async (id) => {
    if (!shoeCache.has(id)) shoeCache.set(id, api.get(`/api/shoes/${encodeURIComponent(id)}`).catch(() => null));
    const shoe = await shoeCache.get(id);
    if (shoe) out.set(id, shoe);
  }));
  return out;
}

/** Display name and colour name of a cart or order line. */
export function lineNames(line, details) {
  const shoe = details.get(line.shoe_id);
  const cw = shoe && (shoe.colourways || []).find((c) => c.id === line.colourway_id);
  return { name: shoe ? shoe.name : null, colour: cw ? colourName(cw.name) : null, shoe };
}
