// Inside a shop: a room in the shop's own style (size, floor, walls, light, sign, displays);
// every shoe of the shop stands on a display as its GLB.
import * as THREE from 'three';
import { Viewer } from 'shoestreet/viewers/viewer.js';
import { makeDisplay } from 'shoestreet/viewers/Shelf.js';
import { makeSignTexture, makeLabelSprite } from 'shoestreet/viewers/SignTexture.js';
import { loadGLB, normaliseShoe, applyColourway } from 'shoestreet/viewers/models.js';
import { glbUrl } from 'shoestreet/lib/catalog.js';
import { price } from 'shoestreet/lib/i18n/index.js';

const DISPLAY_LENGTH_M = 0.5; // shoes on show are scaled up a little so they read on a phone

/**
 * How each shop's room looks. Unknown shops get one of these by a hash of their id, coloured
 * with their brand colour.
 *   room: [width, depth, height] m; floor: texture kind and colour; wall: mix of the brand colour
 *   into the wall paint; light: colour of the ceiling light; display: kind of shelving;
 *   sign: 'back' (over the displays) or 'side' (on the left wall).
 */
export const THEMES = {
  norma: { room: [8, 6, 3.2], floor: ['planks', '#b9a58c'], wall: 0.3, light: '#fff1d6', display: 'wall', displayColour: '#7a5c3e', sign: 'back' },
  velox: { room: [10, 7, 3.6], floor: ['track', '#c2452d'], wall: 0.1, light: '#e8f1ff', display: 'plinths', displayColour: '#f4f4f4', sign: 'back' },
  ridgeback: { room: [9, 6.5, 3.4], floor: ['flagstones', '#8b8478'], wall: 0.45, light: '#ffe2b8', display: 'steps', displayColour: '#6b5036', sign: 'side' },
  finch: { room: [7, 6, 3.0], floor: ['parquet', '#5a3a22'], wall: 0.75, light: '#ffd9a0', display: 'tables', displayColour: '#3b2414', sign: 'back' },
  kindred: { room: [8, 7, 3.0], floor: ['carpet', '#cfc6dd'], wall: 0.25, light: '#fff4e6', display: 'tables', displayColour: '#e9e3f2', sign: 'side' },
  sprout: { room: [7, 6, 2.8], floor: ['tiles', '#f7e6a8'], wall: 0.35, light: '#fffbe8', display: 'cubbies', displayColour: '#f2c14e', sign: 'back' },
  pace: { room: [9, 6, 3.4], floor: ['concrete', '#9a9a96'], wall: 0.12, light: '#eaf6ff', display: 'steps', displayColour: '#2f3b3a', sign: 'side' },
};

function hashOf(text) {
  let h = 2166136261;
  for (const ch of String(text)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

/** The theme of a shop: its own, else one picked by a hash of its id. */
export function themeFor(shop) {
  if (THEMES[shop.id]) return THEMES[shop.id];
  const all = Object.values(THEMES);
  return all[hashOf(shop.id) % all.length];
}

/** A floor texture drawn on a canvas: planks, parquet, track lanes, flagstones, carpet, tiles, concrete. */
function floorTexture(kind, colour, roomW, roomD) {
  const c = document.createElement('canvas');
  c.width = c.height = 256;
  const g = c.getContext('2d');
  const base = new THREE.Color(colour);
  const shade = (k) => `#${base.clone().multiplyScalar(k).getHexString()}`;
  g.fillStyle = colour;
  g.fillRect(0, 0, 256, 256);
  let repeat = [roomW / 2, roomD / 2];
  if (kind === 'planks' || kind === 'parquet') {
    const n = kind === 'planks' ? 8 : 16;
    for (let i = 0; i < n; i++) {
      g.fillStyle = shade(0.85 + 0.3 * ((i * 37) % 7) / 7);
      if (kind === 'planks') g.fillRect(0, i * 32, 256, 30);
      else g.fillRect((i % 4) * 64 + ((i >> 2) % 2) * 32, Math.floor(i / 4) * 64, 30, 62);
    }
  } else if (kind === 'track') {
    g.strokeStyle = '#f4f4f4';
    g.lineWidth = 7;
    for (let x = 16; x < 256; x += 64) { g.beginPath(); g.moveTo(x, 0); g.lineTo(x, 256); g.stroke(); }
    repeat = [roomW / 3, roomD / 3];
  } else if (kind === 'flagstones' || kind === 'tiles') {
    const n = kind === 'tiles' ? 4 : 3;
    const s = 256 / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        g.fillStyle = kind === 'tiles' ? ((i + j) % 2 ? '#ffffff' : colour) : shade(0.8 + 0.35 * (((i * 3 + j * 5) % 5) / 5));
        g.fillRect(i * s + 2, j * s + 2, s - 4, s - 4);
      }
    }
  } else {
    // carpet and concrete: fine speckle
    for (let i = 0; i < 1800; i++) {
      g.fillStyle = shade(kind === 'carpet' ? 0.9 + 0.2 * Math.random() : 0.75 + 0.5 * Math.random());
      g.fillRect(Math.random() * 256, Math.random() * 256, 2, 2);
    }
  }
  const t = new THREE.CanvasTexture(c);
  t.wrapS = t.wrapT = THREE.RepeatWrapping;
  t.repeat.set(...repeat);
  t.colorSpace = THREE.SRGBColorSpace;
  return t;
}

export class ShopInterior extends Viewer {
  constructor(canvas, shop, models, { onPick, onHover } = {}) {
    const theme = themeFor(shop);
    const [w, d, h] = theme.room;
    super(canvas, {
      background: '#20242c', fov: 55, near: 0.05, far: 60, cameraAt: [0, 1.5, d / 2 - 2.8], lights: 'none',
      maxPixelRatio: 1.5, orbit: { target: [0, 1.1, -d / 2 + 0.8], minDistance: 0.6, maxDistance: Math.max(4.5, d - 1), maxPolarAngle: Math.PI * 0.62 },
    });
    this.shop = shop;
    this.theme = theme;
    this.room = { w, d, h };
    this.models = models;
    this.onPick = onPick;
    this.onHover = onHover;
    this.shoes = [];
    this.raycaster = new THREE.Raycaster();
    this.build();
    this.frameDisplays();
    let down = null;
    canvas.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    canvas.addEventListener('pointerup', (e) => {
      if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) < 6) this.pick(e, true);
      down = null;
    });
    canvas.addEventListener('pointermove', (e) => { if (!down) this.pick(e, false); });
  }

  build() {
    const s = this.scene;
    const { w, d, h } = this.room;
    const th = this.theme;
    const brand = new THREE.Color(this.shop.color || '#778899');
    s.add(new THREE.HemisphereLight(th.light, '#5a4a3a', 1.3));
    const key = new THREE.DirectionalLight('#ffffff', 1.1);
    key.position.set(1, 3, 3);
    s.add(key);
    const spot = new THREE.PointLight(th.light, 12, 9, 1.5);
    spot.position.set(0, h - 0.3, 0);
    s.add(spot);

    const paint = brand.clone().lerp(new THREE.Color('#f5efe6'), 1 - th.wall);
    const room = new THREE.Mesh(new THREE.BoxGeometry(w, h, d), new THREE.MeshStandardMaterial({ color: paint, roughness: 0.9, side: THREE.BackSide }));
    room.position.y = h / 2;
    s.add(room);
    // A brand-coloured band along the walls (dado rail), so the room carries the shop's colour.
    const bandMat = new THREE.MeshStandardMaterial({ color: brand, roughness: 0.6 });
    for (const [x, z, rotY, len] of [[0, -d / 2 + 0.02, 0, w], [0, d / 2 - 0.02, Math.PI, w], [-w / 2 + 0.02, 0, Math.PI / 2, d], [w / 2 - 0.02, 0, -Math.PI / 2, d]]) {
      const band = new THREE.Mesh(new THREE.PlaneGeometry(len, 0.18), bandMat);
      band.position.set(x, 1.0, z);
      band.rotation.y = rotY;
      s.add(band);
    }
    const floor = new THREE.Mesh(new THREE.PlaneGeometry(w, d), new THREE.MeshStandardMaterial({ map: floorTexture(th.floor[0], th.floor[1], w, d), roughness: 0.85 }));
    floor.rotation.x = -Math.PI / 2;
    floor.position.y = 0.001;
    s.add(floor);
    const sign = new THREE.Mesh(new THREE.PlaneGeometry(3, 0.75), new THREE.MeshBasicMaterial({ map: makeSignTexture({ name: this.shop.name, tagline: this.shop.tagline, color: this.shop.color }), toneMapped: false }));
    if (th.sign === 'side') {
      sign.position.set(-w / 2 + 0.02, h - 0.7, -0.4);
      sign.rotation.y = Math.PI / 2;
    } else {
      sign.position.set(0, Math.min(h - 0.45, 2.05), -d / 2 + 0.02);
    }
    s.add(sign);

    // Displays: along the back wall, plus the side walls when the shop has many models.
    const n = this.models.length;
    const walls = n > 12 ? 3 : 1;
    const per = Math.ceil(n / walls);
    this.slots = [];
    const place = [
      { pos: [0, 0, -d / 2 + 0.01], rotY: 0, widthM: Math.min(w - 1.2, 5) },
      { pos: [-w / 2 + 0.01, 0, -0.3], rotY: Math.PI / 2, widthM: d - 2 },
      { pos: [w / 2 - 0.01, 0, -0.3], rotY: -Math.PI / 2, widthM: d - 2 },
    ];
    for (let i = 0; i < walls; i++) {
      const count = Math.min(per, n - i * per);
      if (count <= 0) break;
      const disp = makeDisplay(th.display, count, { widthM: place[i].widthM, color: th.displayColour });
      disp.group.position.set(...place[i].pos);
      disp.group.rotation.y = place[i].rotY;
      s.add(disp.group);
      for (const p of disp.slots) this.slots.push({ group: disp.group, local: p });
    }
  }

  /**
   * Stand far enough from the back wall to see its whole display, wider on portrait screens
   * (a phone), and look at the height the shoes stand at.
   */
  frameDisplays() {
    const { d } = this.room;
    const portrait = this.canvas.clientHeight > this.canvas.clientWidth;
    this.camera.fov = portrait ? 72 : 55;
    const aspect = Math.max(0.3, this.canvas.clientWidth / Math.max(1, this.canvas.clientHeight));
    const halfH = Math.atan(Math.tan((this.camera.fov * Math.PI) / 360) * aspect);
    const displayW = Math.min(this.room.w - 1.2, 5);
    // Floor displays (plinths, tables, steps) reach into the room: stand further back.
    const minDist = { wall: 3.2, cubbies: 3.2, steps: 3.9, plinths: 4.6, tables: 4.6 }[this.theme.display] || 3.6;
    const dist = Math.min(d - 0.4, Math.max(minDist, (displayW / 2) / Math.tan(halfH) + 0.3));
    const lookY = { wall: 1.15, cubbies: 0.8 }[this.theme.display] || 0.7;
    const back = -d / 2;
    this.camera.updateProjectionMatrix();
    this.lookAt(new THREE.Vector3(0, lookY, back + 0.8), new THREE.Vector3(0, 1.7 - lookY, dist - 0.8));
  }

  /** Load every model of the shop onto its slot; resolves when all are placed (or failed). */
  async populate() {
    await Promise.all(this.models.map(async (m, i) => {
      const slot = this.slots[i];
      if (!slot) return;
      try {
        const obj = normaliseShoe(await loadGLB(glbUrl(m)));
        applyColourway(obj, (m.colourways || [])[0]);
        const scale = DISPLAY_LENGTH_M / Math.max(0.1, obj.userData.lengthM);
        obj.scale.setScalar(scale);
        obj.position.copy(slot.local);
        obj.rotation.y = -0.45;
        obj.traverse((o) => { o.userData.modelId = m.id; });
        const tag = makeLabelSprite(m.price_krw ? `${m.name} · ${price(m.price_krw)}` : m.name, { heightM: 0.075 });
        tag.position.copy(slot.local).add(new THREE.Vector3(0, -0.06, 0.2));
        tag.material.depthTest = true;
        slot.group.add(obj, tag);
        this.shoes.push(obj);
      } catch (err) {
        console.warn('shoe model skipped:', err.message);
      }
      this.requestRender();
    }));
  }

  pick(e, click) {
    const r = this.canvas.getBoundingClientRect();
    const ndc = new THREE.Vector2(((e.clientX - r.left) / r.width) * 2 - 1, -((e.clientY - r.top) / r.height) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.camera);
    const hit = this.raycaster.intersectObjects(this.shoes, true)[0];
    const model = hit ? this.models.find((m) => m.id === hit.object.userData.modelId) : null;
    this.canvas.style.cursor = model ? 'pointer' : 'grab';
    if (click && model && this.onPick) this.onPick(model);
    else if (!click && this.onHover) this.onHover(model);
  }
}
