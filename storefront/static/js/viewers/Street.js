// The walkable street: road, pavements, lamps and one ShopBuilding per shop.
// Renders on demand (only when something moved), which keeps a software GPU idle, and draws the
// whole street in a few calls: every static box and plane is merged into one mesh per material
// (lit, glowing, signs from one atlas texture), and the facades' window light is baked into their
// colour instead of one point light per shop.
import * as THREE from 'three';
import { ShopBuilding } from 'shoestreet/viewers/ShopBuilding.js';
import { Controls } from 'shoestreet/viewers/Controls.js';
import { Viewer } from 'shoestreet/viewers/viewer.js';
import { Batch, bakeLambert } from 'shoestreet/viewers/batch.js';
import { drawSign } from 'shoestreet/viewers/SignTexture.js';

const ROAD_HALF_M = 4;
const PAVEMENT_M = 4;
const SLOT_M = 15;
const ENTER_RADIUS_M = 7.5;

/**
 * Where each shop stands. The catalog's street_position is [x, z] in metres (x across the street,
 * its sign picks the side; z along it); the street is walked towards -Z, so z maps to -z.
 * Shops without a position are lined up in catalog order.
 */
export function layoutShops(shops) {
  const counters = { '-1': 0, '1': 0 };
  return shops.map((shop, i) => {
    const sp = shop.street_position;
    let side, along;
    if (Array.isArray(sp) && sp.length === 2 && sp.every(Number.isFinite)) {
      side = sp[0] < 0 ? -1 : 1;
      along = -sp[1];
    } else {
      side = i % 2 === 0 ? -1 : 1;
      along = -counters[side]++ * SLOT_M - (side > 0 ? SLOT_M / 2 : 0) - 6;
    }
    const x = side * (ROAD_HALF_M + PAVEMENT_M);
    const height = 10 + ((shop.id.length * 13) % 4);
    return { shop, place: { x, z: along, side, width: 12, depth: 10, height } };
  });
}

function roadTexture() {
  const c = document.createElement('canvas');
  c.width = 64; c.height = 256;
  const ctx = c.getContext('2d');
  ctx.fillStyle = '#34373d';
  ctx.fillRect(0, 0, 64, 256);
  ctx.fillStyle = '#e8e2c8';
  ctx.fillRect(31, 40, 3, 100);
  const t = new THREE.CanvasTexture(c);
  t.wrapS = t.wrapT = THREE.RepeatWrapping;
  t.colorSpace = THREE.SRGBColorSpace;
  return t;
}

function skyTexture() {
  const c = document.createElement('canvas');
  c.width = 4; c.height = 256;
  const ctx = c.getContext('2d');
  const g = ctx.createLinearGradient(0, 0, 0, 256);
  g.addColorStop(0, '#1b2a4a');
  g.addColorStop(0.55, '#5a6f9c');
  g.addColorStop(1, '#f0b27a');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, 4, 256);
  const t = new THREE.CanvasTexture(c);
  t.colorSpace = THREE.SRGBColorSpace;
  return t;
}

/** One texture holding every shop's sign (1024 x 256 each, stacked); returns {texture, rects}. */
function signAtlas(shops) {
  const c = document.createElement('canvas');
  c.width = 1024;
  c.height = 256 * Math.max(1, shops.length);
  const ctx = c.getContext('2d');
  const rects = shops.map((shop, i) => {
    drawSign(ctx, { name: shop.name, tagline: shop.tagline || shop.brand || '', color: shop.color }, 0, i * 256, 1024, 256);
    // UV v runs bottom-up; the canvas top-down (flipY).
    return [0, 1 - (i + 1) / shops.length, 1, 1 - i / shops.length];
  });
  const texture = new THREE.CanvasTexture(c);
  texture.colorSpace = THREE.SRGBColorSpace;
  texture.anisotropy = 4;
  return { texture, rects };
}

export class Street extends Viewer {
  constructor(canvas, shops, { onEnterShop, onMove } = {}) {
    super(canvas, { background: null, fov: 65, near: 0.1, far: 300, lights: 'none', maxPixelRatio: 1, antialias: true });
    this.onEnterShop = onEnterShop;
    this.onMove = onMove;
    this.buildings = layoutShops(shops).map(({ shop, place }) => new ShopBuilding(shop, place));
    const minZ = Math.min(...this.buildings.map((b) => b.place.z)) - 8;
    this.bounds = { minX: -ROAD_HALF_M - PAVEMENT_M + 0.8, maxX: ROAD_HALF_M + PAVEMENT_M - 0.8, minZ, maxZ: 14 };
    this.controls = new Controls(canvas, {
      bounds: this.bounds,
      onChange: () => this.requestRender(),
      onActivate: () => { const b = this.nearestShop(); if (b) this.onEnterShop && this.onEnterShop(b.shop); },
    });
    this.controls.teleport(0, 12, 0);
    this.raycaster = new THREE.Raycaster();
    this.lastT = 0;
    // Portrait screens (phones): a wider view, and "near a shop" from across the street.
    this.portrait = canvas.clientHeight > canvas.clientWidth;
    this.enterRadiusM = this.portrait ? 2 * ENTER_RADIUS_M : ENTER_RADIUS_M;
    if (this.portrait) {
      this.camera.fov = 75;
      this.camera.updateProjectionMatrix();
    }
    this.buildScene();
    canvas.addEventListener('click', (e) => this.pick(e));
  }

  buildScene() {
    const s = this.scene;
    s.background = skyTexture();
    s.fog = new THREE.Fog('#6b6f8e', 40, 150);
    // Sky light and sun. They are baked into the vertex colours of the merged meshes (see
    // batch.js): the scene has no lights, and every material is unlit.
    const hemi = new THREE.HemisphereLight('#bcd0ff', '#4a3c30', 1.1);
    const sun = new THREE.DirectionalLight('#ffd9a8', 1.6);
    sun.position.set(-20, 30, 15);
    this.bakeLights = { hemi, dirs: [sun] };

    const lit = new Batch(), glow = new Batch(), signs = new Batch();
    const length = -this.bounds.minZ + 40;
    const roadZ = this.bounds.minZ / 2 + 10;
    // The road faces up: its baked shade is one colour, multiplied into the texture.
    const roadShade = new THREE.BufferGeometry();
    roadShade.setAttribute('normal', new THREE.BufferAttribute(new Float32Array([0, 1, 0]), 3));
    roadShade.setAttribute('color', new THREE.BufferAttribute(new Float32Array([1, 1, 1]), 3));
    bakeLambert(roadShade, this.bakeLights);
    const shade = roadShade.attributes.color;
    const road = new THREE.Mesh(
      new THREE.PlaneGeometry(ROAD_HALF_M * 2, length),
      new THREE.MeshBasicMaterial({ map: roadTexture(), color: new THREE.Color(shade.getX(0), shade.getY(0), shade.getZ(0)) }),
    );
    road.material.map.repeat.set(1, length / 8);
    road.rotation.x = -Math.PI / 2;
    road.position.z = roadZ;
    s.add(road);
    const m4 = (x, y, z, sx, sy, sz, rx = 0) => new THREE.Matrix4().compose(
      new THREE.Vector3(x, y, z), new THREE.Quaternion().setFromEuler(new THREE.Euler(rx, 0, 0)), new THREE.Vector3(sx, sy, sz));
    const box = new THREE.BoxGeometry(1, 1, 1);
    for (const side of [-1, 1]) lit.add(box, m4(side * (ROAD_HALF_M + PAVEMENT_M / 2), 0.075, roadZ, PAVEMENT_M, 0.15, length), '#a39d94');
    lit.add(new THREE.PlaneGeometry(1, 1), m4(0, -0.02, 0, 400, 400, 1, -Math.PI / 2), '#3d4a3a');

    // Street lamps between neighbouring shops, so none blocks a sign: dark poles, glowing bulbs.
    const pole = new THREE.CylinderGeometry(0.08, 0.1, 4.5, 8);
    const bulb = new THREE.SphereGeometry(0.22, 12, 8);
    for (const side of [-1, 1]) {
      const zs = this.buildings.filter((b) => b.place.side === side).map((b) => b.place.z).sort((a, b) => b - a);
      const spots = [];
      for (let i = 1; i <= zs.length; i++) spots.push(i === zs.length ? zs[i - 1] - 8 : (zs[i - 1] + zs[i]) / 2);
      for (const z of spots) {
        lit.add(pole, m4(side * (ROAD_HALF_M + 0.4), 2.25, z, 1, 1, 1), '#2b2f36');
        glow.add(bulb, m4(side * (ROAD_HALF_M + 0.1), 4.5, z, 1, 1, 1), '#fff2c4');
      }
    }
    const atlas = signAtlas(this.buildings.map((b) => b.shop));
    this.buildings.forEach((b, i) => {
      b.addTo({ lit, glow, signs }, atlas.rects[i]);
      s.add(b.group);
    });
    s.add(lit.mesh(new THREE.MeshBasicMaterial(), this.bakeLights));
    s.add(glow.mesh(new THREE.MeshBasicMaterial()));
    s.add(signs.mesh(new THREE.MeshBasicMaterial({ map: atlas.texture, toneMapped: false })));
    this.pickables = this.buildings.flatMap((b) => b.pickables);
  }

  /**
   * Put a shoe in each shop window ({building, object} pairs) and merge them all into one mesh
   * (vertex colours from each part's material), so the window shoes cost one draw call.
   */
  dressWindows(items) {
    const shoes = new Batch();
    for (const { building, object } of items) {
      building.showInWindow(object);
      object.updateMatrixWorld(true);
      object.traverse((o) => {
        if (o.isMesh) shoes.add(o.geometry, o.matrixWorld, o.material.color || '#888888');
      });
      building.group.remove(object);
    }
    if (shoes.parts.length) {
      this.windowShoes = shoes.mesh(new THREE.MeshBasicMaterial(), this.bakeLights);
      this.scene.add(this.windowShoes);
    }
    this.requestRender();
  }

  /** The shop whose door is closest to the walker, if it is near enough to go in. */
  nearestShop() {
    const p = new THREE.Vector3(this.controls.x, 0, this.controls.z);
    let best = null, bestD = this.enterRadiusM;
    const ahead = this.camera.getWorldDirection(new THREE.Vector3()).setY(0).normalize();
    for (const b of this.buildings) {
      const toDoor = b.doorPosition.clone().sub(p);
      const d = toDoor.length();
      // From across the street (phones), only the shop in front of you counts.
      if (this.portrait && toDoor.setY(0).normalize().dot(ahead) < Math.cos(0.6)) continue;
      if (d < bestD) { best = b; bestD = d; }
    }
    return best;
  }

  /** Stand on the pavement in front of a shop, facing it. */
  jumpTo(shopId) {
    const b = this.buildings.find((x) => x.shop.id === shopId);
    if (!b) return;
    const { x, z, side } = b.place;
    // Face the facade: left shops are at -X (yaw -90°), right shops at +X (yaw +90°).
    // On a portrait phone, stand back across the street so the whole facade and sign fit.
    const dist = this.portrait ? Math.min(14.5, this.fitDistance(b.place.width + 1, 1.0)) : 8.5;
    this.controls.teleport(x - side * dist, z, side * Math.PI / 2);
    this.controls.pitch = this.portrait ? Math.atan2(4.0 - 1.6, dist) : 0.16;
    this.requestRender();
  }

  pick(e) {
    if (!this.controls.wasClick) return;
    const r = this.canvas.getBoundingClientRect();
    const ndc = new THREE.Vector2(((e.clientX - r.left) / r.width) * 2 - 1, -((e.clientY - r.top) / r.height) * 2 + 1);
    this.raycaster.setFromCamera(ndc, this.camera);
    const hit = this.raycaster.intersectObjects(this.pickables, false)[0];
    if (hit && hit.distance < 40 && this.onEnterShop) {
      const b = this.buildings.find((x) => x.shop.id === hit.object.userData.shopId);
      if (b) this.onEnterShop(b.shop);
    }
  }

  /** Walk: move the walker by the time since the last frame (t is performance.now()). */
  beforeRender(t) {
    // Movement counts from the key press, so a slow first frame still moves the walker.
    const since = this.lastT || this.controls.moveStartMs || t;
    const dt = Math.min(0.25, Math.max(0, t - since) / 1000);
    this.lastT = t;
    this.controls.update(dt);
    this.controls.applyTo(this.camera);
  }

  afterRender() {
    if (this.onMove) this.onMove(this.controls, this.nearestShop());
    if (this.frames === 1) {
      window.__firstFrameMs = performance.now();
      window.__ready = true;
    }
    if (this.controls.active) this.requestRender();
    else this.lastT = 0;
  }
}
