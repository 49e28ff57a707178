// Shop signs drawn on a 2D canvas and used as textures, so they stay readable at any distance
// without font files or images.
import * as THREE from 'three';

/** Label lettering; Hangul falls back to a Korean system font, else the self-hosted Nanum Gothic. */
const LABEL_FONTS = 'system-ui, "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans KR", "Noto Sans CJK KR", NanumGothic, "Shoe Street Nanum Gothic", "DejaVu Sans", Arial, sans-serif';

function fitFont(ctx, text, maxWidth, startPx, weight, family) {
  let px = startPx;
  do {
    ctx.font = `${weight} ${px}px ${family}`;
    if (ctx.measureText(text).width <= maxWidth) break;
    px -= 2;
  } while (px > 10);
  return px;
}

/** Relative luminance (sRGB) of a '#rrggbb' colour, for picking black or white lettering. */
export function luminance(hex) {
  const c = new THREE.Color(hex);
  return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
}

/** Draw a shop sign into `ctx` at (x0, y0), `width` x `height` pixels. */
export function drawSign(ctx, { name, tagline = '', color = '#335577' }, x0 = 0, y0 = 0, width = 1024, height = 256) {
  ctx.save();
  ctx.translate(x0, y0);
  const ink = luminance(color) > 0.5 ? '#141414' : '#ffffff';
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, width, height);
  // A bright border: reads as a lit sign box.
  ctx.strokeStyle = ink;
  ctx.globalAlpha = 0.85;
  ctx.lineWidth = 10;
  ctx.strokeRect(12, 12, width - 24, height - 24);
  ctx.globalAlpha = 1;
  ctx.fillStyle = ink;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const family = 'system-ui, "DejaVu Sans", Arial, sans-serif';
  const title = String(name).toUpperCase();
  const titlePx = fitFont(ctx, title, width - 80, tagline ? 120 : 150, 'bold', family);
  ctx.fillText(title, width / 2, tagline ? height * 0.42 : height / 2);
  if (tagline) {
    fitFont(ctx, tagline, width - 100, Math.min(48, titlePx * 0.45), 'normal', family);
    ctx.fillText(tagline, width / 2, height * 0.78);
  }
  ctx.restore();
}

export function makeSignTexture({ name, tagline = '', color = '#335577', width = 1024, height = 256 }) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  drawSign(canvas.getContext('2d'), { name, tagline, color }, 0, 0, width, height);
  const tex = new THREE.CanvasTexture(canvas);
  tex.colorSpace = THREE.SRGBColorSpace;
  tex.anisotropy = 4;
  return tex;
}

/** A text label sprite (for measurement lines and price tags). */
export function makeLabelSprite(text, { color = '#ffffff', background = 'rgba(20,20,30,0.82)', heightM = 0.02 } = {}) {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  const px = 44;
  ctx.font = `bold ${px}px ${LABEL_FONTS}`;
  const w = Math.ceil(ctx.measureText(text).width) + 28;
  canvas.width = w;
  canvas.height = px + 24;
  ctx.font = `bold ${px}px ${LABEL_FONTS}`;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = color;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 14, canvas.height / 2 + 2);
  const tex = new THREE.CanvasTexture(canvas);
  tex.colorSpace = THREE.SRGBColorSpace;
  const mat = new THREE.SpriteMaterial({ map: tex, depthTest: false, transparent: true });
  const sprite = new THREE.Sprite(mat);
  sprite.scale.set(heightM * canvas.width / canvas.height, heightM, 1);
  sprite.renderOrder = 10;
  return sprite;
}
