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
   * Show the shoe at `size` (a catalogue size row): the GLB is built at the model's `reference`
   * size, so scale its length by the last length, its width by the ball width and its height by
   * the ball girth, standing on the floor.
   */
  setSize(size, reference) {
    if (!this.shoe || !size || !reference || !reference.last_length_mm) return;
    const root = this.shoe.children[0];
    root.scale.set(size.ball_width_mm / reference.ball_width_mm, size.ball_girth_mm / reference.ball_girth_mm,
      size.last_length_mm / reference.last_length_mm);
    const turn = this.shoe.rotation.y;
    this.shoe.rotation.y = 0;
    root.position.set(0, 0, 0);
    this.shoe.updateMatrixWorld(true);
    const box = new THREE.Box3().setFromObject(root);
    const c = box.getCenter(new THREE.Vector3());
    root.position.set(-c.x, -box.min.y, -c.z);
    this.shoe.rotation.y = turn;
    this.shoe.userData.size = size;
    this.requestRender();
  }

  setColourway(cw) {
    if (this.shoe) applyColourway(this.shoe, cw);
    this.requestRender();
  }
}
