// Product view: one shoe model on a turntable with orbit and zoom; colourways recolour the
// nodes named upper / sole / accent.
import * as THREE from 'three';
import { Viewer } from 'shoestreet/viewers/viewer.js';
import { loadGLB, normaliseShoe, applyColourway } from 'shoestreet/viewers/models.js';

export class ShoeView extends Viewer {
  constructor(canvas) {
    super(canvas, {
      background: '#e9e6e0', cameraAt: [0.3, 0.2, 0.34],
      orbit: { target: [0, 0.05, 0], minDistance: 0.18, maxDistance: 1.4, maxPolarAngle: Math.PI * 0.55 },
    });
    const floor = new THREE.Mesh(new THREE.CircleGeometry(0.35, 48), new THREE.MeshStandardMaterial({ color: '#d4cfc6', roughness: 0.9 }));
    floor.rotation.x = -Math.PI / 2;
    this.scene.add(floor);
    this.shoe = null;
  }

  async load(url) {
    const obj = normaliseShoe(await loadGLB(url));
    if (this.shoe) this.scene.remove(this.shoe);
    this.shoe = obj;
    // Heel to toe along X, centred: turn it three-quarters towards the viewer.
    obj.rotation.y = -0.35;
    this.scene.add(obj);
    // Frame the shoe whatever its size (a kids' shoe is 2/3 of an adult's): portrait screens
    // need the camera further back for the same width.
    const len = obj.userData.lengthM || 0.3;
    const d = Math.max(this.fitDistance(len, 1.15), 0.2);
    this.lookAt(new THREE.Vector3(0, 0.045 * len / 0.3, 0), new THREE.Vector3(0.62, 0.45, 0.72).setLength(d));
    return obj;
  }

  /**
   * Show the shoe built for `size` (GLB from `url`, made from that size's own last by the server:
   * model.glb?size=&width=), keeping the turn and the camera. Of overlapping calls the last wins.
   */
  async showBuilt(url, size, colourway) {
    const seq = (this.builtSeq = (this.builtSeq || 0) + 1);
    const obj = normaliseShoe(await loadGLB(url));
    if (seq !== this.builtSeq) return;
    obj.rotation.y = this.shoe ? this.shoe.rotation.y : -0.35;
    if (this.shoe) this.scene.remove(this.shoe);
    this.shoe = obj;
    this.scene.add(obj);
    const cw = typeof colourway === 'function' ? colourway() : colourway; // the one chosen by now
    if (cw) applyColourway(obj, cw);
    obj.userData.size = size;
    this.shownSize = `${size.eu}|${size.width}`;
    this.requestRender();
  }

  setColourway(cw) {
    if (this.shoe) applyColourway(this.shoe, cw);
    this.requestRender();
  }
}
