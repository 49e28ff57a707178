// Words and colours for fit verdicts (the verdicts themselves come from the API).

export function verdictClass(v) {
  if (!v) return '';
  if (v === 'good') return 'v-good';
  if (v === 'snug' || v === 'roomy') return 'v-snug';
  return 'v-bad';
}

export function verdictLabel(size) {
  if (!size) return '–';
  const parts = [size.length_verdict];
  if (size.width_verdict && size.width_verdict !== 'good') parts.push(`${size.width_verdict} width`);
  return parts.filter(Boolean).join(', ').replaceAll('_', ' ');
}

export function sizeKey(eu, width) { return `${Number(eu)}|${width || ''}`; }

/** Map fit rows by EU size and width fitting. */
export function fitIndex(fit) {
  const idx = new Map();
  for (const s of (fit && fit.sizes) || []) idx.set(sizeKey(s.eu, s.width), s);
  return idx;
}
