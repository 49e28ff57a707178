// The shopper's foot in 3D with its measurements drawn on it: length along the floor, ball width
// across, ball and instep girths as tape loops (convex hull of the section, as a tape bridges hollows).
import * as THREE from 'three';
import { Viewer } from 'shoestreet/viewers/viewer.js';
import { parseGLB } from 'shoestreet/viewers/models.js';
import { makeLabelSprite } from 'shoestreet/viewers/SignTexture.js';
import { collectPositions, footFrameMatrix, girthLoop } from 'shoestreet/viewers/footGeometry.js';
import { t } from 'shoestreet/lib/i18n/index.js';

const SKIN = '#e0b39a';

const LINE_COLOURS = { length: '#1565c0', width: '#2e7d32', ball: '#c62828', instep: '#6a1b9a' };

export function prepareFoot(scene) {
  const m = footFrameMatrix(scene);
  const holder = new THREE.Group();
  scene.applyMatrix4(m);
  holder.add(scene);
  scene.traverse((o) => {
    if (o.isMesh) {
      o.material = new THREE.MeshStandardMaterial({ color: SKIN, roughness: 0.7, metalness: 0 });
    } else if (o.isPoints) {
      o.material = new THREE.PointsMaterial({ color: SKIN, size: 0.003, sizeAttenuation: true });
    }
  });
  return holder;
}

export class FootView extends Viewer {
  constructor(canvas) {
    super(canvas, { background: '#eef1f5', orbit: {} });
    const grid = new THREE.GridHelper(0.5, 50, '#b7c0cc', '#d5dbe3');
    grid.position.set(0, 0, 0.14);
    this.scene.add(grid);
    this.foot = null;
    this.overlay = new THREE.Group();
    this.scene.add(this.overlay);
  }

  async load(arrayBuffer) {
    const foot = prepareFoot(await parseGLB(arrayBuffer));
    if (this.foot) this.scene.remove(this.foot);
    this.foot = foot;
    this.scene.add(foot);
    this.positions = collectPositions(foot);
    const box = new THREE.Box3().setFromObject(foot);
    const c = box.getCenter(new THREE.Vector3());
    const extent = box.getSize(new THREE.Vector3()).z + 0.08; // room for the labels
    this.lookAt(c, new THREE.Vector3(0.28, 0.22, -0.05).setLength(this.fitDistance(extent)));
    return foot;
  }

  line(points, colour) {
    const g = new THREE.BufferGeometry().setFromPoints(points);
    const l = new THREE.Line(g, new THREE.LineBasicMaterial({ color: colour, depthTest: false }));
    l.renderOrder = 5;
    this.overlay.add(l);
    return l;
  }

  label(text, at, colour) {
    const s = makeLabelSprite(text, { color: '#fff', background: colour, heightM: 0.016 });
    s.position.copy(at);
    this.overlay.add(s);
  }

  /** Draw the measurement lines; m is the API's measurement dict (values in mm). */
  drawMeasurements(m = {}) {
    this.overlay.clear();
    const p = this.positions;
    if (!p || !p.length) return;
    const box = new THREE.Box3().setFromObject(this.foot);
    const L = box.max.z - box.min.z;
    const lenMm = m.foot_length_mm;
    const yFloor = 0.002;
    this.line([new THREE.Vector3(box.max.x + 0.01, yFloor, box.min.z), new THREE.Vector3(box.max.x + 0.01, yFloor, box.max.z)], LINE_COLOURS.length);
    this.label(t('length {n} mm', { n: lenMm ? Math.round(lenMm) : Math.round(L * 1000) }), new THREE.Vector3(box.max.x + 0.03, 0.01, box.min.z + L / 2), LINE_COLOURS.length);

    const ballT = m.heel_to_ball_length_mm && lenMm ? m.heel_to_ball_length_mm / lenMm : 0.72;
    const ballZ = box.min.z + ballT * L;
    const ball = girthLoop(p, ballZ);
    if (ball.length > 2) {
      const pts = ball.map(([x, y]) => new THREE.Vector3(x, y, ballZ));
      pts.push(pts[0].clone());
      this.line(pts, LINE_COLOURS.ball);
      const xs = ball.map((q) => q[0]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs);
      this.line([new THREE.Vector3(x0, yFloor, ballZ), new THREE.Vector3(x1, yFloor, ballZ)], LINE_COLOURS.width);
      const top = Math.max(...ball.map((q) => q[1]));
      const gMm = m.ball_girth_mm;
      if (gMm) this.label(t('ball girth {n} mm', { n: Math.round(gMm) }), new THREE.Vector3(x1 + 0.03, top + 0.012, ballZ), LINE_COLOURS.ball);
      const wMm = m.ball_width_mm;
      if (wMm) this.label(t('ball width {n} mm', { n: Math.round(wMm) }), new THREE.Vector3(x0 - 0.04, 0.008, ballZ), LINE_COLOURS.width);
    }
    const instepZ = box.min.z + 0.55 * L; // footscan's instep girth: 55 % of the foot length
    const instep = girthLoop(p, instepZ);
    if (instep.length > 2 && m.instep_girth_mm) {
      const pts = instep.map(([x, y]) => new THREE.Vector3(x, y, instepZ));
      pts.push(pts[0].clone());
      this.line(pts, LINE_COLOURS.instep);
      const top = Math.max(...instep.map((q) => q[1]));
      this.label(t('instep girth {n} mm', { n: Math.round(m.instep_girth_mm) }), new THREE.Vector3(0, top + 0.02, instepZ), LINE_COLOURS.instep);
    }
    this.requestRender();
  }
}
