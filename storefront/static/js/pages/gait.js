// Gait sessions of the signed-in wearer, an upload form, and trends across sessions.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, fmt } from 'shoestreet/lib/dom.js';
import { listOf, rememberGait } from 'shoestreet/lib/catalog.js';
import { lineChart } from 'shoestreet/lib/charts.js';
import { t, formatDate } from 'shoestreet/lib/i18n/index.js';
import { jobStatus } from 'shoestreet/lib/i18n/labels.js';

const TRENDS = [
  ['cadence_spm', 'Cadence', 'steps/min', { lo: 100, hi: 120 }],
  ['stride_cv_pct', 'Stride-time variability', 'CV %', { lo: 0, hi: 3 }],
  ['double_support_pct', 'Double support', '% of stride', null],
  ['symmetry_index_pct', 'Left/right asymmetry', '%', null],
];

export default async function gaitPage() {
  const { user } = pageConfig();
  const box = document.getElementById('gait-sessions');
  if (!user) {
    clear(box).append(el('p', {}, el('a', { href: '/account?next=/gait' }, t('Sign in')), ' ', t('to see your gait reports.')));
    window.__ready = true;
    return;
  }
  const [sessions, me] = await Promise.all([api.get('/api/gait/sessions').then((d) => listOf(d, 'sessions')), api.get('/api/me')]);
  clear(box);
  if (!(me.consent && me.consent.gait_health)) {  // PIPA Art. 23: separate, explicit consent first
    box.append(el('p', { class: 'notice', id: 'gait-consent-needed' }, t('Insole recordings are health data: give your consent before uploading.'), ' ',
      el('a', { href: '/care/consent' }, t('Give or withdraw insole consent'))));
  }
  const form = el('form', { id: 'gait-upload' },
    el('label', { for: 'gait-file' }, t('Add a recording (CSV from the insole app, PhysioNet files, or a gait record session)')),
    el('input', { id: 'gait-file', type: 'file', required: true }),
    el('button', { type: 'submit', class: 'primary' }, t('Upload')),
    el('progress', { id: 'gait-progress', max: 100, value: 0, hidden: true }),
    el('p', { id: 'gait-msg', role: 'status', 'aria-live': 'polite' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = document.getElementById('gait-msg');
    const bar = document.getElementById('gait-progress');
    const file = document.getElementById('gait-file').files[0];
    if (!file) return;
    const fd = new FormData();
    fd.append('file', file);
    bar.hidden = false;
    form.querySelector('button').disabled = true;
    try {
      const gs = await api.upload('/api/gait/sessions', fd, (f) => { bar.value = 50 * f; }).promise;
      msg.textContent = t('Uploaded; analysing…');
      for (let i = 0; i < 300; i++) {
        const cur = await api.get(`/api/gait/sessions/${gs.id}`);
        if (cur.status === 'done') { window.location.href = `/gait/${gs.id}`; return; }
        if (cur.status === 'failed') throw new Error(cur.error || t('The recording could not be analysed.'));
        bar.value = 50 + 50 * ((cur.job && cur.job.progress) || 0);
        await new Promise((r) => setTimeout(r, 500));
      }
    } catch (err) {
      msg.textContent = describeError(err);
    } finally {
      form.querySelector('button').disabled = false;
    }
  });
  if (!sessions.length) box.append(el('p', { class: 'muted' }, t('No sessions yet.')));
  else {
    // Date and file share a cell so that the table fits a phone; it scrolls in its own box if not.
    const table = el('table', { class: 'gait-table' }, el('caption', {}, t('Sessions')),
      el('thead', {}, el('tr', {}, [t('Session'), t('Cadence'), t('Strides'), t('Report')].map((h, i) => el('th', { scope: 'col', class: i === 1 || i === 2 ? 'num' : '' }, h)))));
    const tb = el('tbody');
    for (const s of sessions) {
      const sum = s.summary || {};
      const state = s.status === 'done' ? '' : s.status === 'failed' ? `${jobStatus('failed')}: ${s.error || ''}` : jobStatus(s.status);
      tb.append(el('tr', { dataset: { session: s.id } },
        el('td', {}, formatDate(s.created_at, true), el('span', { class: 'sub file' }, s.filename || ''), state ? el('span', { class: 'sub' }, state) : null),
        el('td', { class: 'num' }, sum.cadence_spm ? t('{n}/min', { n: fmt(sum.cadence_spm, 0) }) : '–'), el('td', { class: 'num' }, sum.n_strides ?? '–'),
        el('td', {}, s.status === 'done' ? el('a', { href: `/gait/${s.id}`, onclick: () => rememberGait(s.id) }, t('Open report')) : '',
          el('button', { type: 'button', class: 'danger', dataset: { deleteSession: s.id }, onclick: async () => {
            if (!window.confirm(t('Delete this session and its report for good?'))) return;
            try { await api.del(`/api/gait/sessions/${s.id}`); window.location.reload(); } catch (err) { box.prepend(el('p', { role: 'alert' }, describeError(err))); }
          } }, t('delete')))));
    }
    table.append(tb);
    box.append(el('div', { class: 'table-scroll' }, table));
  }
  box.append(form);

  const done = sessions.filter((s) => s.status === 'done' && s.summary).sort((a, b) => new Date(a.created_at) - new Date(b.created_at));
  const trends = clear(document.getElementById('gait-trends'));
  if (done.length < 2) trends.append(el('p', { class: 'muted' }, done.length ? t('Trends appear after your second session.') : t('No analysed sessions yet.')));
  else {
    for (const [key, title, unit, band] of TRENDS) {
      const pts = done.map((s, i) => [i + 1, s.summary[key]]).filter((p) => Number.isFinite(p[1]));
      if (!pts.length) continue;
      const fig = lineChart({ title: t(title), xLabel: t('session'), xInteger: true, yLabel: t(unit), band, series: [{ name: '', points: pts, markers: true }] });
      fig.dataset.chart = title; // stable key in every language
      trends.append(fig);
    }
  }
  window.__ready = true;
}
