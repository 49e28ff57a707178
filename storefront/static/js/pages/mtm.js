// Made-to-measure: show the measurements the maker will receive, pick a colour, order.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, euros, fmt } from 'shoestreet/lib/dom.js';
import { t } from 'shoestreet/lib/i18n/index.js';
import { measurementLabel } from 'shoestreet/lib/i18n/labels.js';
import { currentScanId } from 'shoestreet/lib/catalog.js';

export default async function mtmPage() {
  const { shoe_id: shoeId, user } = pageConfig();
  const shoe = await api.get(`/api/shoes/${encodeURIComponent(shoeId)}`);
  document.getElementById('mtm-shoe').textContent = shoe.name;
  const box = document.getElementById('mtm-measurements');
  const form = document.getElementById('mtm-form');
  const msg = document.getElementById('mtm-msg');
  const scan = user ? await currentScanId(user) : null;
  if (!scan) {
    clear(box).append(el('p', {}, user ? el('a', { href: '/my-foot' }, t('Scan your foot first')) : el('a', { href: '/account' }, t('Sign in')), ' ', t('to order made to measure.')));
    form.querySelector('button').disabled = true;
    window.__ready = true;
    return;
  }
  const s = await api.get(`/api/scans/${encodeURIComponent(scan)}`);
  const m = s.measurements || {};
  const tb = el('tbody');
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number' && k.endsWith('_mm')) tb.append(el('tr', {}, el('th', { scope: 'row' }, measurementLabel(k)), el('td', {}, `${fmt(v, 1)} mm`)));
  clear(box).append(el('table', {}, el('caption', {}, t('Measurements sent to the maker')), tb));
  const sel = document.getElementById('mtm-colourway');
  for (const cw of shoe.colourways || []) sel.append(el('option', { value: cw.id }, cw.name));
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    form.querySelector('button').disabled = true;
    try {
      const order = await api.post('/api/orders/made-to-measure', { scan_id: Number(scan), shoe_id: shoe.id, colourway_id: sel.value, payment: { provider: 'test' } });
      const spec = (order.made_to_measure || {}).last_spec || {};
      const mods = spec.modifications || {};
      form.hidden = true;
      clear(document.getElementById('mtm-spec')).append(
        el('div', { class: 'flash flash-ok', id: 'mtm-done' }, t('Order {id} placed ({amount}). The maker starts from last EU {eu} {width}.', { id: order.id, amount: euros(order.total_eur), eu: spec.base_last ? spec.base_last.eu : '?', width: spec.base_last ? spec.base_last.width : '' })),
        el('table', {}, el('caption', {}, t('Changes to the last')), el('tbody', {}, Object.entries(mods).map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, t(k.replace(/_delta_mm$/, '').replaceAll('_', ' '))), el('td', {}, `${v > 0 ? '+' : ''}${fmt(v, 1)} mm`))))),
        spec.notes ? el('p', { class: 'muted' }, t(spec.notes)) : '');
    } catch (err) {
      msg.textContent = describeError(err);
      form.querySelector('button').disabled = false;
    } finally {
      busy = false;
    }
  });
  window.__ready = true;
}
