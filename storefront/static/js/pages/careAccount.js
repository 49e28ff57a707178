// The wearer's insole (health) consent, care-manager links and the access log, drawn into one box.
// Used by the consent page (/care/consent) and by the account page; care managers get a link to
// their dashboard instead. Every number and row comes from the JSON API.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, describeError, pageConfig } from 'shoestreet/lib/dom.js';
import { t, formatDate } from 'shoestreet/lib/i18n/index.js';

const ACTIONS = { list: 'saw you in their list', view: 'opened your indicators', report: 'opened your weekly report' };

function section(id, title, ...children) {
  return el('section', { id, class: 'care-section', 'aria-labelledby': `${id}-h` }, el('h2', { id: `${id}-h` }, title), ...children);
}

function facts(rows) {
  return el('dl', { class: 'care-facts' }, rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function consentSection(me, redraw) {
  const given = !!(me.consent && me.consent.gait_health);
  const msg = el('p', { id: 'care-consent-msg', role: 'status', 'aria-live': 'polite' });
  const box = section('care-consent', t('Insole (health) data'),
    el('p', {}, t('Your walking data from smart insoles are health data. We use them only with this separate consent, which you can withdraw at any time.')),
    facts([
      [t('Purpose'), t('Analysing your walking (gait reports and trends) and, only if you link one, showing your indicators to your care manager.')],
      [t('Data'), t('Pressure and motion recordings from the insoles and what is computed from them: steps, stride timing, time on both feet, balance indicators.')],
      [t('Kept'), t('Reports until you delete them or withdraw this consent; raw recordings are deleted once analysed unless you ask to keep them.')],
      [t('If you say no'), t('You can still shop and scan your feet; insole uploads and care-manager links are not available.')],
    ]),
    el('p', { id: 'care-consent-state', class: given ? 'consent-on' : 'consent-off' },
      given ? t('You have given this consent.') : t('You have not given this consent.')));
  if (!given) {
    const form = el('form', { id: 'care-consent-give' },
      el('label', {}, el('input', { id: 'care-consent-check', type: 'checkbox', required: true }), ' ',
        t('I agree that my insole recordings and the reports computed from them are processed for the purpose above.')),
      el('button', { type: 'submit', class: 'primary' }, t('Give consent')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api.patch('/api/me', { consent: { gait_health: true } });
        await redraw(t('Consent given. You can now upload insole sessions.'));
      } catch (err) { msg.textContent = describeError(err); }
    });
    box.append(form);
  } else {
    const form = el('form', { id: 'care-consent-withdraw' },
      el('label', {}, el('input', { id: 'care-keep', type: 'checkbox' }), ' ', t('Keep my gait sessions for my own use (otherwise they are deleted now)')),
      el('button', { type: 'submit' }, t('Withdraw consent')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const keep = document.getElementById('care-keep').checked;
        const body = { consent: { gait_health: false } };
        if (keep) body.keep_gait_sessions = true;
        const out = await api.patch('/api/me', body);
        const n = out.gait_sessions_deleted || 0;
        await redraw(n ? t('Consent withdrawn; {n} gait sessions deleted.', { n }) : t('Consent withdrawn.'));
      } catch (err) { msg.textContent = describeError(err); }
    });
    box.append(form);
  }
  box.append(msg);
  return box;
}

function linksSection(me, links, redraw) {
  const msg = el('p', { id: 'care-link-msg', role: 'status', 'aria-live': 'polite' });
  const box = section('care-links', t('Care manager'),
    el('p', {}, t('A care manager you link sees your name, your latest walking indicators, wear time, the trend against your own first weeks and alerts. Never your scans, orders, address or e-mail. Every look is logged below.')));
  const active = links.filter((l) => l.active);
  if (active.length) {
    const list = el('ul', { class: 'care-link-list' });
    for (const l of active) {
      const btn = el('button', { type: 'button', dataset: { link: l.id } }, t('End this link'));
      btn.addEventListener('click', async () => {
        try { await api.del(`/api/care/links/${l.id}`); await redraw(t('Link ended. {name} can no longer see your data.', { name: l.care_manager })); } catch (err) { msg.textContent = describeError(err); }
      });
      list.append(el('li', {}, el('strong', {}, l.care_manager), ' ', el('span', { class: 'sub' }, t('linked since {date}', { date: formatDate(l.linked_at, true) })), btn));
    }
    box.append(list);
  } else {
    box.append(el('p', { class: 'muted' }, t('No care manager is linked.')));
  }
  const given = !!(me.consent && me.consent.gait_health);
  if (!given) {
    box.append(el('p', { class: 'notice' }, t('Give the insole consent above first: a care manager sees only insole indicators.')));
  } else {
    const form = el('form', { id: 'care-link-form' },
      el('label', { for: 'care-code' }, t('Link code from your care manager')),
      el('input', { id: 'care-code', type: 'text', inputmode: 'text', autocomplete: 'off', autocapitalize: 'characters', maxlength: 12, required: true, placeholder: 'ABCD-EFGH' }),
      el('label', {}, el('input', { id: 'care-link-consent', type: 'checkbox', required: true }), ' ',
        t('I allow this care manager to see my walking indicators, wear time and alerts until I end the link.')),
      el('button', { type: 'submit', class: 'primary' }, t('Link care manager')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const out = await api.post('/api/care/links', { code: document.getElementById('care-code').value, consent: document.getElementById('care-link-consent').checked });
        await redraw(t('{name} is now linked.', { name: out.care_manager }));
      } catch (err) { msg.textContent = describeError(err); }
    });
    box.append(form);
  }
  box.append(msg);
  return box;
}

function logSection(accesses) {
  const box = section('care-log', t('Who looked at your care data'));
  if (!accesses.length) {
    box.append(el('p', { class: 'muted' }, t('Nobody has looked at your care data.')));
    return box;
  }
  const list = el('ol', { class: 'care-log-list' });
  for (const a of accesses) {
    list.append(el('li', { dataset: { action: a.action } }, el('span', { class: 'sub' }, formatDate(a.at, true)), a.care_manager, ' ', t(ACTIONS[a.action] || a.action)));
  }
  box.append(list);
  return box;
}

/** Draw the care and consent controls for the signed-in user into ``root``. */
export async function renderCareAccount(root, user, note = '') {
  clear(root);
  root.hidden = false;
  if (!user) {
    root.append(el('p', {}, el('a', { href: '/account?next=/care/consent' }, t('Sign in')), ' ', t('to manage your insole consent.')));
    return;
  }
  if (user.role === 'care_manager') {
    root.append(el('p', {}, el('a', { href: '/care' }, t('Open the care dashboard'))));
    return;
  }
  if (user.role !== 'shopper') return;
  const [me, links, log] = await Promise.all([api.get('/api/me'), api.get('/api/care/links'), api.get('/api/care/access-log')]);
  const redraw = async (message) => {
    await renderCareAccount(root, user, message);
  };
  if (note) root.append(el('p', { class: 'flash flash-ok', role: 'status' }, note));
  root.append(consentSection(me, redraw), linksSection(me, links.links || [], redraw), logSection(log.accesses || []));
}

export default async function careConsentPage() {
  const { user } = pageConfig();
  await renderCareAccount(document.getElementById('care-account'), user);
  window.__ready = true;
}
