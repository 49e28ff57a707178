// Inside a shop: a lit room with shelves; every shoe of the shop stands on a shelf as its GLB.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { Shelf } from 'shoestreet/street/Shelf.js';
import { makeSignTexture, makeLabelSprite } from 'shoestreet/street/SignTexture.js';
import { createRenderer, fitToCanvas, loadGLB, normaliseShoe, applyColourway, framePixelStats } from 'shoestreet/street/three-utils.js';
import { glbUrl } from 'shoestreet/street/catalog.js';

const ROOM = { w: 8, d: 6, h: 3.2 };
const DISPLAY_LENGTH_M = 0.5; // shoes on show are scaled up a little so they read on a phone

export class ShopInterior {
  constructor(canvas, shop, models, { onPick, onHover } = {}) {
    this.canvas = canvas;
    this.shop = shop;
    this.models = models;
    this.onPick = onPick;
    this.onHover = onHover;
    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(55, 1, 0.05, 60);
    this.camera.position.set(0, 1.5, 0.2);
    this.renderer = createRenderer(canvas);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.listenToKeyEvents(canvas); // arrow keys pan when the view has focus
    this.controls.target.set(0, 1.45, -ROOM.d / 2 + 0.4);
    this.controls.update();
    this.controls.enableDamping = false;
    this.controls.minDistance = 0.6;
    this.controls.maxDistance = 4.5;
    this.controls.maxPolarAngle = Math.PI * 0.62;
    this.controls.addEventListener('change', () => this.requestRender());
    this.shoes = [];
    this.raycaster = new THREE.Raycaster();
    this.frames = 0;
    this.build();
    let down = null;
    canvas.addEventListener('pointerdown', (e) => { down = [e.clientX, e.clientY]; });
    canvas.addEventListener('pointerup', (e) => {
      if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) < 6) this.pick(e, true);
      down = null;
    });
    canvas.addEventListener('pointermove', (e) => { if (!down) this.pick(e, false); });
    new ResizeObserver(() => this.requestRender()).observe(canvas);
  }

  build() {
    const s = this.scene;
    const brand = new THREE.Color(this.shop.color || '#778899');
    s.background = new THREE.Color('#20242c');
    s.add(new THREE.HemisphereLight('#fff7ea', '#5a4a3a', 1.3));
    const key = new THREE.DirectionalLight('#ffffff', 1.2);
    key.position.set(1, 3, 3);
    s.add(key);
    const spot = new THREE.PointLight('#fff1d6', 12, 9, 1.5);
    spot.position.set(0, ROOM.h - 0.3, 0);
    s.add(spot);

    const wallMat = new THREE.MeshStandardMaterial({ color: brand.clone().lerp(new THREE.Color('#f5efe6'), 0.7), roughness: 0.9, side: THREE.BackSide });
    const room = new THREE.Mesh(new THREE.BoxGeometry(ROOM.w, ROOM.h, ROOM.d), wallMat);
    room.position.y = ROOM.h / 2;
    s.add(room);
    const floor = new THREE.Mesh(new THREE.PlaneGeometry(ROOM.w, ROOM.d), new THREE.MeshStandardMaterial({ color: '#b9a58c', roughness: 0.8 }));
    floor.rotation.x = -Math.PI / 2;
    floor.position.y = 0.001;
    s.add(floor);
    const sign = new THREE.Mesh(new THREE.PlaneGeometry(3, 0.75), new THREE.MeshBasicMaterial({ map: makeSignTexture({ name: this.shop.name, tagline: this.shop.tagline, color: this.shop.color }), toneMapped: false }));
    sign.position.set(0, ROOM.h - 0.45, -ROOM.d / 2 + 0.02);
    s.add(sign);

    // Back wall shelf, plus side shelves when the shop has many models.
    const n = this.models.length;
    const shelves = [];
    const back = new Shelf({ widthM: 4.6, levels: 3 });
    back.group.position.set(0, 0, -ROOM.d / 2 + 0.01);
    shelves.push(back);
    if (n > 12) {
      const left = new Shelf({ widthM: 4, levels: 3 });
      left.group.position.set(-ROOM.w / 2 + 0.01, 0, -0.3);
      left.group.rotation.y = Math.PI / 2;
      const right = new Shelf({ widthM: 4, levels: 3 });
      right.group.position.set(ROOM.w / 2 - 0.01, 0, -0.3);
      right.group.rotation.y = -Math.PI / 2;
      shelves.push(left, right);
    }
    for (const sh of shelves) s.add(sh.group);
    const perShelf = Math.ceil(n / shelves.length);
    this.slots = [];
    shelves.forEach((sh, i) => {
      const count = Math.min(perShelf, n - i * perShelf);
      if (count <= 0) return;
      for (const p of sh.slots(count)) this.slots.push({ shelf: sh, local: p });
    });
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
        const tag = makeLabelSprite(m.price_eur ? `${m.name} · €${Math.round(m.price_eur)}` : m.name, { heightM: 0.075 });
        tag.position.copy(slot.local).add(new THREE.Vector3(0, -0.06, 0.2));
        tag.material.depthTest = true;
        slot.shelf.group.add(obj, tag);
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

  requestRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      fitToCanvas(this.renderer, this.camera);
      this.renderer.render(this.scene, this.camera);
      this.frames++;
    });
  }

  pixelStats() { return framePixelStats(this.renderer, this.scene, this.camera); }
}
