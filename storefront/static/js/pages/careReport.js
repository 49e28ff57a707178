// The printable weekly report of one linked wearer (the API logs each opening).
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig } from 'shoestreet/lib/dom.js';
import { t, formatDate, formatNumber } from 'shoestreet/lib/i18n/index.js';
import { alertItem, indicatorTable, wearText } from 'shoestreet/pages/care.js';

export default async function careReportPage() {
  const { user, wearer_id: id } = pageConfig();
  const box = document.getElementById('care-report');
  if (!user || user.role !== 'care_manager') {
    clear(box).append(el('p', {}, t('This page is for care managers.')));
    window.__ready = true;
    return;
  }
  const end = new URLSearchParams(location.search).get('end');
  const r = await api.get(`/api/care/wearers/${encodeURIComponent(id)}/report${end ? `?end=${encodeURIComponent(end)}` : ''}`);
  clear(box).append(
    el('h1', {}, t('Weekly report: {name}', { name: r.wearer.name })),
    el('p', { class: 'sub' }, t('{from} to {to}', { from: formatDate(r.from), to: formatDate(r.to) }), ' · ',
      t('care manager {name}', { name: r.care_manager }), ' · ', t('printed {date}', { date: formatDate(r.generated_at, true) })),
    el('dl', { class: 'care-facts' },
      el('dt', {}, t('Walks analysed')), el('dd', { id: 'care-report-sessions' }, String(r.sessions.length)),
      el('dt', {}, t('Insoles worn')), el('dd', {}, wearText(r.wear_h)),
      el('dt', {}, t('Steps recorded')), el('dd', {}, formatNumber(r.steps, 0))),
    el('h2', {}, t('Alerts this week')),
    r.alerts.length ? el('ul', { class: 'care-alerts' }, r.alerts.map(alertItem)) : el('p', { class: 'muted' }, t('No alerts this week.')),
    el('h2', {}, t('Indicators')),
    indicatorTable(r.indicators),
    el('p', { class: 'sub' }, t('Screening indicators from smart insoles, not a diagnosis. Each flag names its published source; a change is reported only beyond the smallest meaningful change.')),
    el('p', { class: 'no-print' }, el('button', { type: 'button', id: 'care-print', onclick: () => window.print() }, t('Print')), ' ',
      el('a', { href: '/care' }, t('Back to the care dashboard'))));
  window.__ready = true;
}
