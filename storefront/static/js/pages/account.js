// Sign in / register / sign out with a cookie session (CSRF-protected).
import { api } from 'shoestreet/lib/api.js';
import { pageConfig, describeError } from 'shoestreet/lib/dom.js';
import { forgetScan } from 'shoestreet/lib/catalog.js';
import { t } from 'shoestreet/lib/i18n/index.js';

export default async function accountPage() {
  const { user, demo } = pageConfig();
  const msg = document.getElementById('account-msg');
  document.getElementById('signed-in').hidden = !user;
  document.getElementById('signed-out').hidden = !!user;
  if (user) document.getElementById('who').textContent = user.email;
  const next = new URLSearchParams(location.search).get('next');
  const go = () => { window.location.href = next && next.startsWith('/') && !next.startsWith('//') ? next : '/'; };
  const signIn = async (email, password) => {
    try {
      forgetScan();
      localStorage.removeItem('shoestreet.gaitId');
      await api.signIn(email, password);
      go();
    } catch (err) { msg.textContent = describeError(err); }
  };
  document.getElementById('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn(document.getElementById('login-email').value, document.getElementById('login-password').value);
  });
  const demoBtn = document.getElementById('demo-login');
  demoBtn.hidden = !demo;
  demoBtn.addEventListener('click', () => signIn(demo.email, demo.password));
  document.getElementById('register-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = document.getElementById('reg-email').value, password = document.getElementById('reg-password').value;
    try {
      await api.post('/api/auth/register', { email, password });
      await api.signIn(email, password);
      if (document.getElementById('reg-consent').checked) await api.patch('/api/me', { consent: { aggregates: true } }).catch(() => {});
      go();
    } catch (err) { msg.textContent = describeError(err) + (err.fields ? ' ' + Object.entries(err.fields).map(([k, v]) => `${t(k)}: ${t(v)}`).join('; ') : ''); }
  });
  // Password reset: ask for a mailed link; the link (/account?reset=TOKEN) opens the new-password form.
  const resetToken = new URLSearchParams(location.search).get('reset');
  const forgot = document.getElementById('forgot-form'), reset = document.getElementById('reset-form');
  forgot.hidden = !!user || !!resetToken;
  reset.hidden = !resetToken;
  if (resetToken) history.replaceState(null, '', '/account'); // keep the token out of history and referrers
  forgot.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.post('/api/auth/password-reset', { email: document.getElementById('forgot-email').value });
      msg.textContent = t('If this address has an account, a reset link is on its way.');
    } catch (err) { msg.textContent = describeError(err); }
  });
  reset.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.post('/api/auth/password-reset/confirm', { token: resetToken, new_password: document.getElementById('reset-password').value });
      reset.hidden = true;
      msg.textContent = t('Password changed: sign in with the new one.');
    } catch (err) {
      msg.textContent = err.code === 'invalid_reset_token'
        ? t('This reset link is not valid, was used already or has expired; ask for a new one.') : describeError(err);
    }
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await api.signOut().catch(() => {});
    forgetScan();
    localStorage.removeItem('shoestreet.gaitId');
    window.location.href = '/';
  });
  if (user) {  // insole consent, care-manager links and the access log (or the care dashboard link)
    const { renderCareAccount } = await import('shoestreet/pages/careAccount.js');
    await renderCareAccount(document.getElementById('care-account'), user).catch((err) => { msg.textContent = describeError(err); });
  }
  window.__ready = true;
}
