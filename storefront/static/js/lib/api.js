// Thin client of the storefront JSON API. Every page talks to the service only through this,
// so the browser sees exactly what any other API client sees.

// Pages authenticate with the cookie session (POST /api/auth/session) and send the CSRF token
// in a header; a bearer token is used only where one is given (the manufacturer dashboard).
import { t } from 'shoestreet/lib/i18n/index.js';

const CSRF_HEADER = 'X-CSRF-Token';

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

function errorFromBody(status, body, fallback) {
  const err = body && typeof body === 'object' ? body.error : null;
  if (err && typeof err === 'object') {
    return new ApiError(status, err.code || 'error', err.message || fallback, err.fields || {});
  }
  if (typeof err === 'string') return new ApiError(status, 'error', err);
  return new ApiError(status, 'http_' + status, fallback);
}

/** A random idempotency key: a double click or a retry must not place two orders. */
export function newIdempotencyKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ApiClient {
  constructor({ base = '', token = null } = {}) {
    this.base = base;
    this.token = token;
    const meta = document.querySelector('meta[name="csrf-token"]');
    this.csrf = meta ? meta.content : null;
  }

  headers(extra = {}) {
    const h = { Accept: 'application/json', ...extra };
    if (this.token) h.Authorization = 'Bearer ' + this.token;
    else if (this.csrf) h[CSRF_HEADER] = this.csrf;
    return h;
  }

  /** Sign in with a cookie session; the session's new CSRF token replaces the old one. */
  async signIn(email, password) {
    const data = await this.post('/api/auth/session', { email, password });
    if (data && data.csrf_token) this.csrf = data.csrf_token;
    return data.user;
  }

  async signOut() {
    const data = await this.del('/api/auth/session');
    if (data && data.csrf_token) this.csrf = data.csrf_token;
  }

  async request(method, path, { json, body, headers = {}, idempotencyKey } = {}) {
    const h = this.headers(headers);
    if (json !== undefined) { h['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
    if (idempotencyKey) h['Idempotency-Key'] = idempotencyKey;
    let resp;
    try {
      resp = await fetch(this.base + path, { method, headers: h, body, credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, 'network', t('The shop could not be reached. Check your connection and try again.'));
    }
    const type = resp.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await resp.json().catch(() => null) : await resp.text();
    if (!resp.ok) throw errorFromBody(resp.status, data, `${method} ${path} failed (${resp.status})`);
    return data;
  }

  get(path) { return this.request('GET', path); }
  post(path, json, opts = {}) { return this.request('POST', path, { json, ...opts }); }
  put(path, json, opts = {}) { return this.request('PUT', path, { json, ...opts }); }
  patch(path, json, opts = {}) { return this.request('PATCH', path, { json, ...opts }); }
  del(path) { return this.request('DELETE', path); }

  /** Fetch a binary resource (GLB) with the same credentials; returns an ArrayBuffer. */
  async binary(path) {
    const resp = await fetch(this.base + path, { headers: this.headers(), credentials: 'same-origin' });
    if (!resp.ok) {
      const data = await resp.json().catch(() => null);
      throw errorFromBody(resp.status, data, `GET ${path} failed (${resp.status})`);
    }
    return resp.arrayBuffer();
  }

  /**
   * Multipart upload through XHR, because fetch has no upload progress events.
   * Returns {promise, abort}; onProgress gets a fraction 0..1 of bytes sent.
   */
  upload(path, formData, onProgress) {
    const xhr = new XMLHttpRequest();
    const promise = new Promise((resolve, reject) => {
      xhr.open('POST', this.base + path);
      for (const [k, v] of Object.entries(this.headers())) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable && onProgress) onProgress(ev.loaded / ev.total); };
      xhr.onload = () => {
        let data = null;
        try { data = JSON.parse(xhr.responseText); } catch { data = null; }
        if (xhr.status >= 200 && xhr.status < 300) resolve(data);
        else reject(errorFromBody(xhr.status, data, `Upload failed (${xhr.status})`));
      };
      xhr.onerror = () => reject(new ApiError(0, 'upload_interrupted', t('The upload was interrupted. Your file was not stored; please try again.')));
      xhr.onabort = () => reject(new ApiError(0, 'aborted', t('Upload cancelled.')));
      xhr.send(formData);
    });
    return { promise, abort: () => xhr.abort() };
  }
}

export const api = new ApiClient();
