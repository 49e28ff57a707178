// The shopper's personal last in 3D with their foot inside: the last semi-transparent, the foot
// as points coloured by clearance (last surface minus foot, mm), from the quote's preview JSON.
import * as THREE from 'three';
import { Viewer } from 'shoestreet/viewers/viewer.js';

/** Clearance bands (mm) and their colours; the legend and the sheet use the same ones. */
export const CLEARANCE_BANDS = [
  { upTo: -1, colour: '#d62828', label: 'presses more than 1 mm' },
  { upTo: 0, colour: '#f77f00', label: 'snug (up to 1 mm press)' },
  { upTo: 3, colour: '#2a9d8f', label: '0–3 mm of room' },
  { upTo: Infinity, colour: '#457b9d', label: 'more than 3 mm of room' },
];

export function clearanceColour(mm) {
  return CLEARANCE_BANDS.find((b) => mm < b.upTo).colour;
}

// footscan's frame (mm, X heel->toe, Z up) -> three.js (m, Y up).
const toThree = (p) => [p[0] / 1000, p[2] / 1000, -p[1] / 1000];

export class LastView extends Viewer {
  constructor(canvas) {
    super(canvas, { background: '#eef1f5', orbit: {}, near: 0.005, far: 10 });
    this.group = new THREE.Group();
    this.scene.add(this.group);
  }

  /** Show a preview (`GET /api/orders/made-to-measure/quotes/<id>/preview`). */
  show(preview) {
    this.group.clear();
    const v = new Float32Array(preview.last.vertices.flatMap(toThree));
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(v, 3));
    g.setIndex(preview.last.faces.flat());
    g.computeVertexNormals();
    const last = new THREE.Mesh(g, new THREE.MeshStandardMaterial({
      color: '#c8a27a', roughness: 0.8, metalness: 0, transparent: true, opacity: 0.35, depthWrite: false, side: THREE.FrontSide,
    }));
    last.renderOrder = 2;
    const pts = preview.foot.points;
    const pos = new Float32Array(pts.flatMap(toThree));
    const col = new Float32Array(pts.length * 3);
    const c = new THREE.Color();
    preview.foot.clearance_mm.forEach((mm, i) => { c.set(clearanceColour(mm)); col.set([c.r, c.g, c.b], 3 * i); });
    const fg = new THREE.BufferGeometry();
    fg.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    fg.setAttribute('color', new THREE.BufferAttribute(col, 3));
    const foot = new THREE.Points(fg, new THREE.PointsMaterial({ size: 0.0025, vertexColors: true }));
    foot.renderOrder = 1;
    this.group.add(foot, last);
    const box = new THREE.Box3().setFromObject(last);
    const centre = box.getCenter(new THREE.Vector3());
    const extent = box.getSize(new THREE.Vector3()).length();
    this.lookAt(centre, new THREE.Vector3(0.2, 0.25, 0.35).setLength(this.fitDistance(extent, 0.95)));
    this.lastMesh = last;
    this.footPoints = foot;
  }
}
