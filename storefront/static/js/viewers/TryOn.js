// Try-on: the shopper's foot inside the chosen size's last, and the shoe itself, see-through, over
// it. Each foot point is coloured by its clearance to the last's inner surface in its
// cross-section (red: the last presses, blue: room); the toe room is drawn as a bracket in front
// of the toes.
import * as THREE from 'three';
import { Viewer } from 'shoestreet/viewers/viewer.js';
import { parseGLB, loadGLB, applyColourway, findPart, ownMaterials } from 'shoestreet/viewers/models.js';
import { makeLabelSprite } from 'shoestreet/viewers/SignTexture.js';
import { prepareFoot } from 'shoestreet/viewers/FootView.js';
import { collectPositions, sliceMesh, triangleSoup, signedDistance, clearanceColour } from 'shoestreet/viewers/footGeometry.js';
import { t } from 'shoestreet/lib/i18n/index.js';

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

/**
 * Where the insole of a catalogue shoe GLB is (shoe frame, metres): the lowest inside point of
 * the upper at the ball (65-75 % of the length) and at the heel (10-20 %).
 */
export function insoleLine(shoeRoot) {
  const upper = findPart(shoeRoot, 'upper');
  const box = new THREE.Box3().setFromObject(shoeRoot);
  const L = box.max.z - box.min.z;
  const low = (t0, t1) => {
    let y = Infinity;
    const v = new THREE.Vector3();
    upper.traverse((o) => {
      if (!o.isMesh) return;
      const p = o.geometry.attributes.position;
      for (let i = 0; i < p.count; i++) {
        v.fromBufferAttribute(p, i).applyMatrix4(o.matrixWorld);
        const t = (v.z - box.min.z) / L;
        if (t >= t0 && t <= t1 && Math.abs(v.x) < 0.02) y = Math.min(y, v.y);
      }
    });
    return y;
  };
  return { ballY: low(0.65, 0.75), heelY: low(0.10, 0.20), ballZ: box.min.z + 0.70 * L, heelZ: box.min.z + 0.15 * L };
}

export class TryOn extends Viewer {
  constructor(canvas) {
    super(canvas, { background: '#eef1f5', orbit: {} });
    this.overlay = new THREE.Group();
    this.scene.add(this.overlay);
    this.shoeTemplate = null;
    this.shoe = null;
  }

  async setFoot(arrayBuffer) {
    this.foot = prepareFoot(await parseGLB(arrayBuffer));
    this.scene.add(this.foot);
    this.footPositions = collectPositions(this.foot);
    const box = new THREE.Box3().setFromObject(this.foot);
    const c = box.getCenter(new THREE.Vector3());
    const extent = box.getSize(new THREE.Vector3()).z + 0.06; // the shoe is a little longer
    this.lookAt(c, new THREE.Vector3(0.34, 0.2, 0.02).setLength(this.fitDistance(extent)));
  }

  /** Load the catalogue shoe (its GLB is built at the reference size `reference`). */
  async setShoe(url, colourway, reference) {
    const root = await loadGLB(url);
    applyColourway(root, colourway);
    ownMaterials(root);
    root.traverse((o) => {
      if (!o.isMesh) return;
      const upper = !!findPart(root, 'upper') && o.name.toLowerCase().startsWith('upper');
      o.material.transparent = true;
      o.material.opacity = upper ? 0.28 : 0.45;
      o.material.depthWrite = false;
      o.material.side = THREE.DoubleSide;
      o.renderOrder = 2;
    });
    root.updateMatrixWorld(true);
    this.shoeTemplate = { root, reference, insole: insoleLine(root) };
  }

  /**
   * Put the shoe, scaled from its reference size to `size` (length by last length, width by ball
   * width, height by ball girth), over the foot: heel and ball of its insole on the floor plane.
   */
  placeShoe(size) {
    if (!this.shoeTemplate) return;
    const { root, reference, insole } = this.shoeTemplate;
    if (this.shoe) this.scene.remove(this.shoe);
    const sz = size.last_length_mm / reference.last_length_mm;
    const sx = size.ball_width_mm / reference.ball_width_mm;
    const sy = size.ball_girth_mm / reference.ball_girth_mm;
    const scaled = new THREE.Group();
    scaled.add(root);
    scaled.scale.set(sx, sy, sz);
    // The GLB's upper starts 3 mm behind the last's heel; its insole rises by the drop to the heel.
    const pitch = Math.atan2(insole.heelY - insole.ballY, insole.ballZ - insole.heelZ) * sy / sz;
    const pivot = new THREE.Group();
    scaled.position.set(0, -insole.ballY * sy, -insole.ballZ * sz);
    pivot.add(scaled);
    pivot.rotation.x = -pitch;
    pivot.position.set(0, 0, insole.ballZ * sz - 0.003 * sz);
    this.shoe = pivot;
    this.scene.add(pivot);
    this.requestRender();
  }

  /** Show or hide the see-through shoe (the heat map stays). */
  showShoe(on) {
    if (this.shoe) this.shoe.visible = on;
    this.requestRender();
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
}
