// Words and colours for fit verdicts (the verdicts, scores and best sizes come from the API).
// One fit score everywhere: the `score` of GET /api/fit for (scan, shoe), which is the score of
// the shoe's best size; recommendations carry the same number as `fit_score`. Pages show it only
// through fitScore()/fitScoreText() so the rounding is the same on every page.
import { t } from 'shoestreet/lib/i18n/index.js';
import { verdict } from 'shoestreet/lib/i18n/labels.js';

export function verdictClass(v) {
  if (!v) return '';
  if (v === 'good') return 'v-good';
  if (v === 'snug' || v === 'roomy') return 'v-snug';
  return 'v-bad';
}

export function verdictLabel(size) {
  if (!size) return '–';
  const parts = [verdict(size.length_verdict)];
  if (size.width_verdict && size.width_verdict !== 'good') {
    parts.push(size.width_verdict === 'unknown' ? t('width not measured') : t('{verdict} width', { verdict: verdict(size.width_verdict) }));
  }
  return parts.filter(Boolean).join(', ');
}

/** The fit score as an integer 0-100 (null when there is none). */
export function fitScore(value) {
  const n = Number(value);
  return Number.isFinite(n) ? Math.round(n) : null;
}

/** "fit score 84/100", the one wording every page uses. */
export function fitScoreText(value) {
  const n = fitScore(value);
  return n === null ? '' : t('fit score {n}/100', { n });
}

export function sizeKey(eu, width) { return `${Number(eu)}|${width || ''}`; }

/** Map fit rows by EU size and width fitting. */
export function fitIndex(fit) {
  const idx = new Map();
  for (const s of (fit && fit.sizes) || []) idx.set(sizeKey(s.eu, s.width), s);
  return idx;
}

/** A size that cannot be the shopper's pick: too short for the foot. */
export function tooShort(sizeFit) { return !!sizeFit && sizeFit.length_verdict === 'too short'; }
