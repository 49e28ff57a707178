// Try-on page: pick a size; the foot sits in that size's last with a clearance heat map.
import { api } from 'shoestreet/lib/api.js';
import { el, clear, pageConfig, describeError, fmt } from 'shoestreet/lib/dom.js';
import { currentScanId } from 'shoestreet/lib/catalog.js';
import { fitIndex, sizeKey, verdictLabel, fitScore, fitScoreText, tooShort } from 'shoestreet/lib/fitText.js';
import { hasWebGL } from 'shoestreet/lib/webgl.js';
import { t, fontsFor } from 'shoestreet/lib/i18n/index.js';
import { reasonText } from 'shoestreet/lib/i18n/reasons.js';

export default async function tryOnPage() {
  const { shoe_id: shoeId, user } = pageConfig();
  const shoe = await api.get(`/api/shoes/${encodeURIComponent(shoeId)}`);
  document.getElementById('tryon-title').textContent = t('Try on: {shoe}', { shoe: shoe.name });
  document.getElementById('back-to-shoe').href = `/shoe/${encodeURIComponent(shoe.id)}`;
  const verdict = document.getElementById('tryon-verdict');
  const scan = user ? await currentScanId(user) : null;
  if (!scan) {
    verdict.append(el('a', { href: user ? '/my-foot' : '/account' }, user ? t('Scan your foot or use the demo foot') : t('Sign in')), ' ', t('to try shoes on.'));
    window.__ready = true;
    return;
  }
  const fit = (await api.get(`/api/fit?scan=${encodeURIComponent(scan)}&shoe=${encodeURIComponent(shoe.id)}`)).fit;
  const fits = fitIndex(fit);
  const select = document.getElementById('tryon-size');
  const sizes = [...shoe.sizes].sort((a, b) => a.eu - b.eu);
  const bestFit = fits.get(sizeKey(fit.best_size, fit.best_width));
  // The shoe's one fit score (GET /api/fit), the same number the product page and the lists show.
  const scoreBox = document.getElementById('tryon-score');
  scoreBox.append(tooShort(bestFit)
    ? t('No size of this shoe is long enough for your foot: even EU {eu} is too short.', { eu: fit.best_size })
    : t('Your size: EU {eu} {width}', { eu: fit.best_size, width: fit.best_width || '' }),
  ' · ', el('span', { class: 'fit-score', dataset: { score: fitScore(fit.score) } }, fitScoreText(fit.score)));
  for (const s of sizes) {
    const f = fits.get(sizeKey(s.eu, s.width));
    const ks = s.mondopoint ? ` (KS ${s.mondopoint})` : '';
    const opt = el('option', { value: sizeKey(s.eu, s.width) }, `EU ${s.eu} ${s.width}${ks}${f ? ' — ' + verdictLabel(f) : ''}`);
    if (Number(s.eu) === Number(fit.best_size) && s.width === fit.best_width) opt.selected = true;
    select.append(opt);
  }
  let view = null;
  if (hasWebGL()) {
    const { TryOn } = await import('shoestreet/viewers/TryOn.js');
    await fontsFor(t('toe room {n} mm'));
    view = new TryOn(document.getElementById('tryon-canvas'));
    window.__tryOn = view;
    await view.setFoot(await api.binary(`/api/scans/${encodeURIComponent(scan)}/foot.glb`));
    if (shoe.glb_reference && shoe.glb_reference.last_length_mm) {
      const toggle = document.getElementById('tryon-show-shoe');
      toggle.closest('label').hidden = false;
      toggle.addEventListener('change', () => view.showShoe(toggle.checked));
    }
  } else {
    document.getElementById('tryon-canvas').parentElement.hidden = true;
  }
  async function show() {
    const [eu, width] = select.value.split('|');
    const f = fits.get(select.value);
    clear(verdict).append(el('strong', {}, `EU ${eu} ${width}: ${f ? verdictLabel(f) : ''}`), f && f.reasons ? el('ul', { class: 'reasons' }, f.reasons.map((r) => el('li', {}, reasonText(r)))) : '');
    const rows = clear(document.getElementById('tryon-rows'));
    if (f) {
      rows.append(
        el('tr', {}, el('th', {}, t('Toe room (fit rule)')), el('td', { id: 'toe-room-rule' }, t('{n} mm; we advise {advised} mm', { n: fmt(f.toe_room_mm, 0), advised: fmt(f.advised_toe_room_mm, 0) }))),
        el('tr', {}, el('th', {}, t('Ball girth margin')), el('td', {}, f.girth_margin_mm === null ? t('not measured') : `${fmt(f.girth_margin_mm, 1)} mm`)),
        el('tr', {}, el('th', {}, t('Heel margin')), el('td', {}, f.heel_margin_mm === null ? t('not measured') : `${fmt(f.heel_margin_mm, 1)} mm`)));
    }
    if (view) {
      const q = new URLSearchParams({ size: eu, width });
      const row = sizes.find((s) => sizeKey(s.eu, s.width) === select.value);
      if (row) {
        // The shoe built for this size from its own last (not the reference mesh stretched):
        // its reference is the row itself, so it is placed at scale 1.
        const cw = (shoe.colourways || [])[0];
        const sq = new URLSearchParams({ size: eu, width, colourway: cw ? cw.id : '' });
        await view.setShoe(`/api/shoes/${encodeURIComponent(shoe.id)}/model.glb?${sq}`, cw, row);
        view.placeShoe(row);
        view.shoeSize = select.value;
        const toggle = document.getElementById('tryon-show-shoe');
        if (toggle) view.showShoe(toggle.checked);
      }
      const res = await view.setLast(await api.binary(`/api/shoes/${encodeURIComponent(shoe.id)}/last.glb?${q}`));
      rows.append(
        el('tr', {}, el('th', {}, t('Toe room (3D)')), el('td', {}, t('{n} mm in front of your longest toe', { n: fmt(res.toeRoomMm, 0) }))),
        el('tr', {}, el('th', {}, t('Surface pressed')), el('td', {}, t('{tight} % tight, {snug} % snug, {roomy} % roomy', { tight: fmt(100 * res.share.tight, 0), snug: fmt(100 * res.share.snug, 0), roomy: fmt(100 * res.share.roomy, 0) }))));
      window.__tryOnResult = res;
    }
  }
  select.addEventListener('change', () => show().catch((e) => { verdict.textContent = describeError(e); }));
  await show();
  window.__ready = true;
}
