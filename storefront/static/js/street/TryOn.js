// Try-on: the shopper's foot inside the chosen size's last. Each foot point is coloured by its
// clearance to the last's inner surface in its cross-section (red: the last presses, blue: room);
// the toe room is drawn as a bracket in front of the toes.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { createRenderer, fitToCanvas, parseGLB, framePixelStats } from 'shoestreet/street/three-utils.js';
import { makeLabelSprite } from 'shoestreet/street/SignTexture.js';
import { prepareFoot } from 'shoestreet/street/FootView.js';
import { collectPositions, sliceMesh, triangleSoup, signedDistance, clearanceColour } from 'shoestreet/street/footGeometry.js';
import { t } from 'shoestreet/i18n/index.js';

const STATION_M = 0.002;

/**
 * Clearance (mm) of every foot point to a last, both in the try-on frame (metres).
 * Returns {clearanceMm: Float32Array, toeRoomMm, minMm, share: {tight, snug, roomy}}.
 */
export function computeClearance(footPositions, lastTris) {
  let zMin = Infinity, zMax = -Infinity;
  for (let i = 2; i < lastTris.length; i += 3) { zMin = Math.min(zMin, lastTris[i]); zMax = Math.max(zMax, lastTris[i]); }
  const stations = new Map();
  const sectionAt = (z) => {
    const k = Math.round(z / STATION_M);
    if (!stations.has(k)) {
      const segs = sliceMesh(lastTris, k * STATION_M + 1e-6);
      let top = -Infinity;
      for (const q of segs) top = Math.max(top, q[1], q[3]);
      stations.set(k, { segs, top });
    }
    return stations.get(k);
  };
  const n = footPositions.length / 3;
  const out = new Float32Array(n);
  let footZMax = -Infinity, min = Infinity, tight = 0, snug = 0, roomy = 0, inShoe = 0;
  for (let i = 0; i < n; i++) {
    const x = footPositions[3 * i], y = footPositions[3 * i + 1], z = footPositions[3 * i + 2];
    footZMax = Math.max(footZMax, z);
    let d;
    if (z > zMax || z < zMin) d = -1000 * Math.min(Math.abs(z - zMax), Math.abs(z - zMin));
    else {
      const sec = sectionAt(Math.min(zMax - STATION_M, Math.max(zMin + STATION_M, z)));
      // Above the last's top line is the ankle and leg, out of the shoe: no clearance there.
      if (!sec.segs.length || y > sec.top) { out[i] = NaN; continue; }
      // Points at the very bottom sit on the insole: only their sideways clearance counts.
      d = 1000 * signedDistance(sec.segs, x, Math.max(y, 0.004));
    }
    out[i] = d;
    min = Math.min(min, d);
    inShoe++;
    if (d < 0) tight++; else if (d < 4) snug++; else roomy++;
  }
  const n1 = Math.max(1, inShoe);
  return {
    clearanceMm: out,
    toeRoomMm: 1000 * (zMax - footZMax),
    minMm: min,
    share: { tight: tight / n1, snug: snug / n1, roomy: roomy / n1 },
  };
}

export class TryOn {
  constructor(canvas) {
    this.canvas = canvas;
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color('#eef1f5');
    this.camera = new THREE.PerspectiveCamera(35, 1, 0.01, 20);
    this.renderer = createRenderer(canvas, { maxPixelRatio: 2 });
    this.scene.add(new THREE.HemisphereLight('#ffffff', '#7d8896', 1.6));
    const key = new THREE.DirectionalLight('#ffffff', 1.4);
    key.position.set(0.5, 1, 0.3);
    this.scene.add(key);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.listenToKeyEvents(canvas); // arrow keys pan when the view has focus
    this.controls.addEventListener('change', () => this.requestRender());
    this.overlay = new THREE.Group();
    this.scene.add(this.overlay);
    new ResizeObserver(() => this.requestRender()).observe(canvas);
  }

  async setFoot(arrayBuffer) {
    this.foot = prepareFoot(await parseGLB(arrayBuffer));
    this.scene.add(this.foot);
    this.footPositions = collectPositions(this.foot);
    const box = new THREE.Box3().setFromObject(this.foot);
    const c = box.getCenter(new THREE.Vector3());
    this.controls.target.copy(c);
    this.camera.position.set(c.x + 0.34, c.y + 0.2, c.z + 0.02);
    this.controls.update();
  }

  /** Show a last (GLB bytes in metres, the catalog's try-on frame) and colour the foot. */
  async setLast(arrayBuffer) {
    const last = await parseGLB(arrayBuffer);
    last.traverse((o) => {
      if (o.isMesh) o.material = new THREE.MeshStandardMaterial({ color: '#8aa0b8', transparent: true, opacity: 0.22, depthWrite: false, side: THREE.DoubleSide });
    });
    if (this.last) this.scene.remove(this.last);
    this.last = last;
    this.scene.add(last);
    const result = computeClearance(this.footPositions, triangleSoup(last));
    this.colourFoot(result.clearanceMm);
    this.drawToeRoom(result.toeRoomMm);
    this.requestRender();
    return result;
  }

  colourFoot(clearanceMm) {
    let k = 0;
    const c = new THREE.Color();
    this.foot.traverse((o) => {
      if (!(o.isMesh || o.isPoints)) return;
      const n = o.geometry.attributes.position.count;
      const colours = new Float32Array(n * 3);
      for (let i = 0; i < n; i++, k++) {
        if (Number.isNaN(clearanceMm[k])) c.set('#d9c2b4'); // out of the shoe
        else clearanceColour(clearanceMm[k], c);
        colours[3 * i] = c.r; colours[3 * i + 1] = c.g; colours[3 * i + 2] = c.b;
      }
      o.geometry.setAttribute('color', new THREE.BufferAttribute(colours, 3));
      o.material.vertexColors = true;
      o.material.color.set('#ffffff');
      o.material.needsUpdate = true;
    });
  }

  drawToeRoom(toeRoomMm) {
    this.overlay.clear();
    const fb = new THREE.Box3().setFromObject(this.foot);
    const lb = new THREE.Box3().setFromObject(this.last);
    const y = 0.004;
    const mat = new THREE.LineBasicMaterial({ color: '#0d47a1', depthTest: false });
    const g = new THREE.BufferGeometry().setFromPoints([
      new THREE.Vector3(0, y + 0.01, fb.max.z), new THREE.Vector3(0, y, fb.max.z),
      new THREE.Vector3(0, y, lb.max.z), new THREE.Vector3(0, y + 0.01, lb.max.z),
    ]);
    const line = new THREE.Line(g, mat);
    line.renderOrder = 5;
    this.overlay.add(line);
    const label = makeLabelSprite(t('toe room {n} mm', { n: toeRoomMm.toFixed(0) }), { background: '#0d47a1', heightM: 0.016 });
    label.position.set(0, 0.035, (fb.max.z + lb.max.z) / 2 - 0.03);
    this.overlay.add(label);
  }

  requestRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      fitToCanvas(this.renderer, this.camera);
      this.renderer.render(this.scene, this.camera);
    });
  }

  pixelStats() { return framePixelStats(this.renderer, this.scene, this.camera); }
}
