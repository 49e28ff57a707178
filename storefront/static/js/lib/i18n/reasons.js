// The fit and recommendation reasons come from the API in English, built from a few templates
// (storefront/fitting.py, storefront/recommend.py). In Korean they are rewritten here, template by
// template; a reason no pattern knows is shown as the API wrote it.
import { lang, t } from 'shoestreet/lib/i18n/index.js';
import { category, upper } from 'shoestreet/lib/i18n/labels.js';

const N = '(-?\\d+(?:\\.\\d+)?)';
const cat = (c) => category(c);
const longShort = (w) => (w === 'long' ? '길게' : '짧게');

/** [regex, (match) => Korean] in the order fitting.py and recommend.py build them. */
const PATTERNS = [
  [new RegExp(`^only ${N} mm of toe room: your toes would touch the end$`), (m) => `앞코 여유가 ${m[1]} mm뿐입니다: 발가락이 신발 끝에 닿습니다`],
  [new RegExp(`^slightly less toe room than we advise for (\\w+)$`), (m) => `앞코 여유가 ${cat(m[1])} 권장치보다 조금 적습니다`],
  [new RegExp(`^${N} mm less toe room than we advise for (\\w+)$`), (m) => `앞코 여유가 ${cat(m[2])} 권장치보다 ${m[1]} mm 적습니다`],
  [new RegExp(`^${N} mm more toe room than we advise for (\\w+): the shoe may feel long$`), (m) => `앞코 여유가 ${cat(m[2])} 권장치보다 ${m[1]} mm 많습니다: 신발이 길게 느껴질 수 있습니다`],
  [new RegExp(`^${N} mm of toe room; we advise ${N} mm for (\\w+)$`), (m) => `앞코 여유 ${m[1]} mm (${cat(m[3])} 권장 ${m[2]} mm)`],
  [/^we could not measure your ball girth, so the width is not checked$/, () => '볼 둘레를 측정하지 못해 발볼은 확인하지 않았습니다'],
  [new RegExp(`^${N} mm tighter than your foot around the ball: try the (\\w+) fitting$`), (m) => `볼 둘레가 발보다 ${m[1]} mm 작습니다: ${m[2]} 발볼을 신어 보세요`],
  [new RegExp(`^${N} mm tighter than your foot around the ball: this model has no wider fitting, and we never size up in length for width$`),
    (m) => `볼 둘레가 발보다 ${m[1]} mm 작습니다: 이 모델에는 더 넓은 발볼이 없으며, 발볼 때문에 길이를 키워 권하지는 않습니다`],
  [new RegExp(`^${N} mm snugger than your foot around the ball; the (\\w+) upper will give a little$`), (m) => `볼 둘레가 발보다 ${m[1]} mm 꼭 맞습니다. ${upper(m[2])}가 조금 늘어납니다`],
  [new RegExp(`^${N} mm snugger than your foot around the ball$`), (m) => `볼 둘레가 발보다 ${m[1]} mm 꼭 맞습니다`],
  [new RegExp(`^the ball girth matches your foot \\(within ${N} mm\\)$`), (m) => `볼 둘레가 발에 맞습니다(${m[1]} mm 이내)`],
  [new RegExp(`^${N} mm roomier than your foot around the ball$`), (m) => `볼 둘레가 발보다 ${m[1]} mm 여유 있습니다`],
  [new RegExp(`^${N} mm wider than your foot around the ball: a narrower fitting would hold it better$`), (m) => `볼 둘레가 발보다 ${m[1]} mm 넓습니다: 더 좁은 발볼이 발을 더 잘 잡아 줍니다`],
  [new RegExp(`^the heel is ${N} mm wider than yours: it may slip$`), (m) => `뒤꿈치가 발보다 ${m[1]} mm 넓습니다: 걸을 때 헐떡일 수 있습니다`],
  [new RegExp(`^the heel is ${N} mm narrower than yours: a firm grip$`), (m) => `뒤꿈치가 발보다 ${m[1]} mm 좁습니다: 단단히 잡아 줍니다`],
  [new RegExp(`^this brand's lasts run ${N} mm (long|short); we allowed for that$`), (m) => `이 브랜드의 라스트는 ${m[1]} mm ${longShort(m[2])} 나옵니다. 이를 반영했습니다`],
  [new RegExp(`^shoppers' fit feedback says this model runs ${N} mm (long|short); we allowed for that$`), (m) => `구매 고객의 착용 후기에 따르면 이 모델은 ${m[1]} mm ${longShort(m[2])} 나옵니다. 이를 반영했습니다`],
  [/^even the largest size we make is too short for your foot$/, () => '가장 큰 사이즈도 내 발에는 짧습니다'],
  [/^your size is out of stock at the moment$/, () => '지금은 내 사이즈가 품절입니다'],
  [/^comes in (\w+) \((.+)\)$/, (m) => `${t(m[1])} 색상이 있습니다(${m[2]})`],
  [new RegExp(`^a stable shoe \\(stability ${N}\\) for your inward \\(medial\\) loading$`), (m) => `발이 안쪽으로 쏠리는 보행에 맞는 안정적인 신발(안정성 ${m[1]})`],
  [/^a neutral, cushioned shoe for your outward \(lateral\) loading$/, () => '발이 바깥쪽으로 쏠리는 보행에 맞는 중립·쿠션형 신발'],
  [new RegExp(`^cushioning ${N} to soften your hard heel strike$`), (m) => `강한 뒤꿈치 착지를 부드럽게 하는 쿠션(${m[1]})`],
  [/^a (\w+) shoe, because you run$/, (m) => `달리기를 하시니 ${cat(m[1])}`],
  [new RegExp(`^stable, ${N} mm drop and a (\\w+) toe box for steadier walking$`), (m) => `더 안정적인 걸음을 위한 안정성, ${m[1]} mm 드롭, ${t(`${m[2]} toe box`)}`],
];

export function reasonText(r) {
  const text = typeof r === 'string' ? r : (r && (r.text || r.message)) || JSON.stringify(r);
  if (lang() !== 'ko') return text;
  for (const [re, fn] of PATTERNS) {
    const m = text.match(re);
    if (m) return fn(m);
  }
  return text;
}
