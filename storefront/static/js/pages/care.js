// The care manager's dashboard: linked wearers (most urgent first), each with alerts, indicators
// against their own baseline, wear time, and a link to the printable weekly report. Invitation codes.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { t, formatDate, formatNumber } from 'shoestreet/lib/i18n/index.js';

export const LEVELS = { act: 'Act: contact this person', watch: 'Watch', none: 'No alert' };
export const TRENDS = { worse: 'worse than own baseline', better: 'better than own baseline', stable: 'stable', unknown: 'no baseline yet' };

/** Hours worn, in minutes below one hour (short walks). */
export function wearText(h) {
  const v = Number(h) || 0;
  return v < 1 ? t('{m} min', { m: formatNumber(v * 60, 0) }) : t('{h} h', { h: formatNumber(v, 1) });
}

/** A value with its unit, in the page's number format ('–' when missing). */
export function valueText(v, unit) {
  if (v === null || v === undefined) return '–';
  const digits = Math.abs(v) >= 100 ? 0 : 1;
  return `${formatNumber(v, digits)} ${t(unit)}`;
}

export function levelBadge(level) {
  return el('span', { class: `care-level care-${level}`, dataset: { level } }, t(LEVELS[level] || level));
}

/** One alert: level, indicator, reason, and the source behind it (folded). */
export function alertItem(a) {
  return el('li', { class: `care-alert care-${a.level}`, dataset: { indicator: a.indicator, level: a.level } },
    levelBadge(a.level), ' ', el('strong', {}, t(a.label)), ' ', valueText(a.value, a.unit),
    el('span', { class: 'sub' }, a.reason),
    el('details', {}, el('summary', {}, t('Source')), el('p', { class: 'sub' }, a.source)));
}

/** The indicator table: latest value, own baseline, trend. */
export function indicatorTable(indicators) {
  const shown = indicators.filter((i) => i.value !== null || i.baseline !== null);
  if (!shown.length) return el('p', { class: 'muted' }, t('No indicators yet: no analysed walk with enough strides.'));
  const tb = el('tbody');
  for (const i of shown) {
    tb.append(el('tr', { dataset: { indicator: i.name } },
      el('th', { scope: 'row' }, t(i.label)),
      el('td', { class: 'num' }, valueText(i.value, i.unit), el('span', { class: 'sub' }, t('own baseline {v}', { v: valueText(i.baseline, i.unit) }))),
      el('td', {}, t(TRENDS[i.trend] || i.trend))));
  }
  return el('div', { class: 'table-scroll' }, el('table', { class: 'care-table' },
    el('thead', {}, el('tr', {}, [t('Indicator'), t('Latest'), t('Trend')].map((h, k) => el('th', { scope: 'col', class: k === 1 ? 'num' : '' }, h)))), tb));
}

function wearerCard(w) {
  return el('li', { class: `card care-card care-${w.level}`, dataset: { wearer: w.id, level: w.level } },
    el('h3', {}, w.name, ' ', levelBadge(w.level)),
    el('p', { class: 'sub' },
      w.last_session_at ? t('Last walk {date}', { date: formatDate(w.last_session_at, true) }) : t('No analysed walk yet'), ' · ',
      t('{n} walks in 7 days, worn {time}', { n: w.sessions_7d, time: wearText(w.wear_h_7d) })),
    w.alerts.length ? el('ul', { class: 'care-alerts' }, w.alerts.map(alertItem)) : null,
    indicatorTable(w.indicators),
    el('p', {}, el('a', { href: `/care/wearers/${w.id}/report` }, t('Weekly report'))));
}

export default async function careDashboard() {
  const { user } = pageConfig();
  const box = document.getElementById('care-wearers');
  if (!user || user.role !== 'care_manager') {
    clear(box).append(el('p', {}, user ? t('This page is for care managers.') : el('a', { href: '/account?next=/care' }, t('Sign in')), user ? '' : ' ' + t('as a care manager to see your wearers.')));
    document.getElementById('care-invite').hidden = true;
    window.__ready = true;
    return;
  }
  const invite = document.getElementById('care-invite-btn');
  const out = document.getElementById('care-invite-out');
  invite.addEventListener('click', async () => {
    try {
      const inv = await api.post('/api/care/invitations', {});
      clear(out).append(t('Code for the wearer: '), el('strong', { id: 'care-code-out', class: 'care-code' }, inv.code), ' ',
        el('span', { class: 'sub' }, t('valid until {date}; the wearer enters it on their account page and gives consent.', { date: formatDate(inv.expires_at, true) })));
    } catch (err) { out.textContent = describeError(err); }
  });
  const data = await api.get('/api/care/wearers');
  clear(box);
  const wearers = data.wearers || [];
  if (!wearers.length) box.append(el('p', { class: 'muted' }, t('No wearer has linked you yet. Create a code and give it to the person.')));
  else box.append(el('ul', { class: 'card-grid care-grid' }, wearers.map(wearerCard)));
  window.__ready = true;
}
