// My foot: upload a scan (XHR progress, then job polling) or use the demo foot; the foot in 3D
// with its measurements; sizes in every system; the top recommendations.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, fmt } from 'shoestreet/lib/dom.js';
import { listOf, rememberScan, forgetScan, currentScanId, currentGaitId } from 'shoestreet/lib/catalog.js';
import { renderRecommendations } from 'shoestreet/lib/recommendations.js';
import { hasWebGL } from 'shoestreet/lib/webgl.js';
import { t, formatDate, fontsFor } from 'shoestreet/lib/i18n/index.js';
import { jobStatus, side as sideWord, FOOT_MEASUREMENTS, measurementStatus } from 'shoestreet/lib/i18n/labels.js';

const PENDING_KEY = 'shoestreet.pendingScan';
/** Whether `name` ends in one of the extensions the server reads (footscan's readers, from the
 *  page config: USDZ from phone scanning apps and one-file ZIPs included). */
function readable(name, extensions) {
  const lower = String(name || '').toLowerCase();
  return (extensions || []).some((ext) => lower.endsWith(String(ext).toLowerCase()));
}

const SIZE_SYSTEMS = [
  ['kr_mm', 'Korea (KS, mm)'], ['eu', 'EU'], ['uk', 'UK'], ['us_men', 'US men'], ['us_women', 'US women'], ['mondopoint', 'Mondopoint (mm)'],
  ['mondopoint_marking', 'Mondopoint marking'], ['jp_cm', 'Japan (cm)'], ['cn', 'China'],
  ['width_fitting', 'Width fitting'],
];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let footView = null;

function setProgress(fraction, text) {
  const box = document.getElementById('progress-box');
  box.hidden = fraction === null;
  if (fraction !== null) document.getElementById('progress').value = Math.round(100 * fraction);
  if (text) document.getElementById('progress-label').textContent = text;
}

/** Poll the scan's job until it is measured or failed. Upload is the first half of the bar. */
async function waitForScan(scanId, base = 0.5) {
  for (let i = 0; i < 600; i++) {
    const scan = await api.get(`/api/scans/${scanId}`);
    const job = scan.job || {};
    if (scan.status === 'done') { setProgress(1, t('Measured.')); return scan; }
    if (scan.status === 'failed' || job.status === 'failed') {
      throw new Error(job.error || scan.error || t('We could not measure this scan.')); // job.error: in the page language
    }
    setProgress(base + (1 - base) * (job.progress || 0), `${t('Measuring your foot…')} ${job.stage ? '(' + t(job.stage) + ')' : ''}`);
    await sleep(i < 20 ? 300 : 1000);
  }
  throw new Error(t('Measuring is taking unusually long; your scan is saved and will appear in the list when it is done.'));
}

/** One row per measurement footscan emitted, in footscan's order, with how it was obtained. */
function measurementRows(m) {
  const body = clear(document.getElementById('measure-rows'));
  const details = (m && m.measurement_details) || {};
  for (const [key, label] of FOOT_MEASUREMENTS) {
    const v = m ? m[key] : undefined;
    if (typeof v !== 'number') continue;
    const d = details[key.replace(/_mm$/, '')] || {};
    const isMm = key.endsWith('_mm');
    let text = isMm ? `${fmt(v, 1)} mm` : fmt(v, 2);
    if (d.status === 'model-completed') {
      const sd = typeof d.uncertainty === 'number' ? ` ± ${fmt(d.uncertainty, 1)}${isMm ? ' mm' : ''}` : '';
      text += `${sd} (${measurementStatus(d.status)})`;
    }
    body.append(el('tr', { dataset: { key } }, el('th', { scope: 'row' }, t(label)), el('td', {}, text)));
  }
  if (m && m.side) body.append(el('tr', { dataset: { key: 'side' } }, el('th', { scope: 'row' }, t('Foot')), el('td', {}, sideWord(m.side))));
  const sys = clear(document.getElementById('size-systems'));
  const sizes = m && (m.sizes || m.size || m.shoe_sizes);
  if (sizes && typeof sizes === 'object') {
    for (const [k, label] of SIZE_SYSTEMS) {
      if (sizes[k] === null || sizes[k] === undefined || typeof sizes[k] === 'object') continue;
      sys.append(el('tr', { dataset: { system: k } }, el('th', { scope: 'row' }, t(label)), el('td', {}, String(sizes[k]))));
    }
  }
}

async function showScan(scan, user) {
  rememberScan(scan.id);
  measurementRows(scan.measurements || {});
  document.getElementById('to-recs').hidden = false;
  if (footView) {
    try {
      await footView.load(await api.binary(`/api/scans/${scan.id}/foot.glb`));
      await fontsFor(t('length {n} mm') + t('ball girth {n} mm') + t('ball width {n} mm') + t('instep girth {n} mm'));
      footView.drawMeasurements(scan.measurements || {});
    } catch (err) {
      document.getElementById('scan-msg').textContent = describeError(err);
    }
  }
  const box = document.getElementById('foot-recs');
  try {
    const gait = await currentGaitId(user);
    const q = new URLSearchParams({ scan: scan.id });
    if (gait) q.set('gait', gait);
    const recs = await api.get('/api/recommendations?' + q);
    box.hidden = false;
    renderRecommendations(document.getElementById('foot-rec-body'), recs);
  } catch (err) {
    box.hidden = false;
    clear(document.getElementById('foot-rec-body')).append(el('p', { class: 'error' }, describeError(err)));
  }
}

async function refreshList(user, current) {
  const list = clear(document.getElementById('scan-list'));
  const scans = listOf(await api.get('/api/scans'), 'scans');
  if (!scans.length) list.append(el('li', { class: 'muted' }, t('None yet.')));
  for (const s of scans) {
    const when = s.created_at ? formatDate(s.created_at, true) : '';
    const status = s.status === 'done' ? '' : s.status === 'failed' ? ` — ${t('could not be measured: {reason}', { reason: (s.job && s.job.error) || s.error || t('unknown reason') })}` : ` — ${jobStatus(s.status)}…`;
    const item = el('li', {}, `${s.filename || t('scan {id}', { id: s.id })} (${when})${status} `);
    if (s.status === 'done') {
      item.append(el('button', { type: 'button', 'aria-current': String(String(s.id) === String(current)), onclick: async () => {
        const full = await api.get(`/api/scans/${s.id}`);
        await showScan(full, user);
        await refreshList(user, s.id);
      } }, String(s.id) === String(current) ? t('shown') : t('show')));
    }
    item.append(el('button', { type: 'button', class: 'danger', dataset: { deleteScan: s.id }, onclick: async () => {
      if (!window.confirm(t('Delete this scan and its measurements for good?'))) return;
      try {
        await api.del(`/api/scans/${s.id}`);
        if (String(s.id) === String(current)) forgetScan();
        await refreshList(user, String(s.id) === String(current) ? null : current);
        document.getElementById('scan-msg').textContent = t('Scan deleted.');
      } catch (err) {
        document.getElementById('scan-msg').textContent = describeError(err);
      }
    } }, t('delete')));
    list.append(item);
  }
  return scans;
}

export default async function myFoot() {
  const { user, scan_extensions: extensions } = pageConfig();
  const msg = document.getElementById('scan-msg');
  if (hasWebGL()) {
    const { FootView } = await import('shoestreet/viewers/FootView.js');
    footView = new FootView(document.getElementById('foot-canvas'));
    window.__footView = footView;
  } else {
    document.getElementById('foot-canvas').parentElement.hidden = true;
  }
  if (!user) {
    msg.append(el('a', { href: '/account?next=/my-foot' }, t('Sign in')), ' ', t('to scan your foot; scans are health data and stay in your account.'));
    for (const b of document.querySelectorAll('#upload-form button, #demo-foot')) b.disabled = true;
    window.__ready = true;
    return;
  }
  let current = await currentScanId(user);
  // A scan that was still uploading or measuring when the tab closed: pick it up again.
  const pending = localStorage.getItem(PENDING_KEY);
  await refreshList(user, current);
  if (pending) {
    try {
      setProgress(0.5, t('Picking up the scan you started earlier…'));
      const scan = await waitForScan(pending);
      current = scan.id;
      msg.textContent = t('Scan {id} measured.', { id: scan.id });
      await showScan(scan, user);
      await refreshList(user, scan.id);
    } catch (err) {
      msg.textContent = describeError(err);
      setProgress(null);
    } finally {
      localStorage.removeItem(PENDING_KEY);
    }
  } else if (current) {
    try { await showScan(await api.get(`/api/scans/${current}`), user); } catch (err) { msg.textContent = describeError(err); }
  }

  const form = document.getElementById('upload-form');
  const demo = document.getElementById('demo-foot');
  const busy = (on) => { for (const b of [...form.querySelectorAll('button'), demo]) b.disabled = on; };

  async function runJob(start) {
    busy(true);
    msg.textContent = '';
    try {
      const accepted = await start();
      localStorage.setItem(PENDING_KEY, String(accepted.id));
      const scan = await waitForScan(accepted.id);
      localStorage.removeItem(PENDING_KEY);
      await showScan(scan, user);
      msg.textContent = t('Scan {id} measured.', { id: scan.id });
      await refreshList(user, scan.id);
    } catch (err) {
      localStorage.removeItem(PENDING_KEY);
      setProgress(null);
      msg.textContent = describeError(err);
      await refreshList(user, current).catch(() => {});
    } finally {
      busy(false);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const file = document.getElementById('scan-file').files[0];
    if (!file) { msg.textContent = t('Choose a scan file first.'); return; }
    if (/^image\//.test(file.type) || !readable(file.name, extensions)) {
      // A photo (of a cat, say) is not a 3D scan: say so before uploading anything.
      msg.textContent = t('"{name}" is not a 3D foot scan. Upload a PLY, OBJ, STL, GLB, USDZ, PCD, PTS or XYZ file (or a ZIP of one) from a 3D scanning app, or use the demo foot.', { name: file.name });
      return;
    }
    runJob(() => {
      const fd = new FormData();
      fd.append('file', file);
      fd.append('units', document.getElementById('scan-units').value);
      setProgress(0, t('Uploading…'));
      const up = api.upload('/api/scans', fd, (f) => setProgress(0.5 * f, `${t('Uploading…')} ${Math.round(100 * f)}%`));
      return up.promise;
    });
  });
  demo.addEventListener('click', () => runJob(() => {
    setProgress(0.5, t('Making the demo foot…'));
    return api.post('/api/scans/demo', { foot_length_mm: 265, side: 'right' });
  }));
  window.__ready = true;
}
