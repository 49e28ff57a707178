// Human words for the ids and statuses the API returns (never show `partially_returned`).
import { t } from 'shoestreet/lib/i18n/index.js';

const ORDER_STATUS = {
  paid: 'paid', returned: 'returned', partially_returned: 'partly returned', cancelled: 'cancelled',
  refunded: 'refunded', shipped: 'shipped', delivered: 'delivered',
  sent_to_maker: 'sent to the maker', in_production: 'being made', made: 'made',
};
const JOB_STATUS = { queued: 'waiting', running: 'analysing', done: 'done', failed: 'failed' };
const CATEGORY = {
  running: 'running shoe', trail: 'trail shoe', walking: 'walking shoe', casual: 'casual shoe',
  comfort: 'comfort shoe', dress: 'dress shoe', kids: "kids' shoe",
};
const VERDICT = {
  'too short': 'too short', snug: 'snug', good: 'good', roomy: 'roomy', 'too long': 'too long',
  'too narrow': 'too narrow', 'too wide': 'too wide', unknown: 'not measured',
};
const FIT_FEEDBACK = { too_small: 'too small', fits: 'fits', too_large: 'too large' };
const TOE_BOX = { narrow: 'narrow toe box', standard: 'standard toe box', wide: 'wide toe box' };
const UPPER = { knit: 'knit upper', leather: 'leather upper', mesh: 'mesh upper', synthetic: 'synthetic upper' };
const SIDE = { left: 'left', right: 'right' };

function words(map, key) {
  if (key === null || key === undefined || key === '') return '';
  const k = String(key);
  return t(map[k] || k.replaceAll('_', ' '));
}

export const orderStatus = (s) => words(ORDER_STATUS, s);
export const jobStatus = (s) => words(JOB_STATUS, s);
export const category = (c) => words(CATEGORY, c);
export const verdict = (v) => words(VERDICT, v);
export const fitFeedback = (f) => words(FIT_FEEDBACK, f);
export const toeBox = (v) => words(TOE_BOX, v);
export const upper = (v) => words(UPPER, v);
export const side = (v) => words(SIDE, v);

/** A colourway's name in the page language ("Sky" -> "스카이"; ko.json keys "colour: Sky"). */
export function colourName(name) {
  if (!name) return name;
  const key = `colour: ${name}`;
  const text = t(key);
  return text === key ? name : text;
}

/** A colourway's name from its id when only the id is known ("velox-stride-lite-volt" -> "Volt"). */
export function colourFromId(colourwayId, shoeId) {
  const rest = String(colourwayId || '').replace(String(shoeId || '') + '-', '').replaceAll('-', ' ');
  return rest ? colourName(rest[0].toUpperCase() + rest.slice(1)) : '';
}

/** A shoe's name from its id when the catalogue is not at hand ("velox-stride-lite" -> "Stride Lite"). */
export function nameFromId(shoeId) {
  const parts = String(shoeId || '').split('-').slice(1);
  return parts.map((p) => p[0].toUpperCase() + p.slice(1)).join(' ') || String(shoeId || '');
}

/**
 * The measurements footscan emits (`footscan measure --json`, also the scan API's
 * `measurements`), in the order My foot lists them, with their names. Nothing else is labelled:
 * a key footscan does not emit has no row.
 */
export const FOOT_MEASUREMENTS = [
  ['foot_length_mm', 'Foot length'],
  ['foot_breadth_mm', 'Foot breadth'],
  ['ball_width_mm', 'Ball width'],
  ['heel_width_mm', 'Heel width'],
  ['ball_girth_mm', 'Ball girth'],
  ['instep_girth_mm', 'Instep girth'],
  ['instep_height_mm', 'Instep height'],
  ['heel_to_ball_length_mm', 'Heel to ball'],
  ['toe_height_mm', 'Toe height'],
  ['arch_height_mm', 'Arch height'],
  ['arch_height_index', 'Arch height index'],
];
const MEASUREMENT = Object.fromEntries(FOOT_MEASUREMENTS);

/** A foot measurement's name ("ball_girth_mm" -> "Ball girth"), translated. */
export function measurementLabel(key) {
  const k = String(key);
  return t(MEASUREMENT[k] || k.replace(/_mm$/, '').replaceAll('_', ' '));
}

const STATUS = { measured: 'measured', 'model-completed': 'completed by the foot model', unavailable: 'not measured' };
/** How a measurement was obtained (footscan's `measurement_details[name].status`), in words. */
export const measurementStatus = (s) => words(STATUS, s);
