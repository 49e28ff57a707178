// The DP "average foot" of one size class (issue 14), on the common viewer base: the GLB the
// manufacturer API decodes from the released mean shape coefficients, shown like a scanned foot.
import * as THREE from 'three';
import { Viewer } from 'shoestreet/viewers/viewer.js';
import { parseGLB } from 'shoestreet/viewers/models.js';
import { prepareFoot } from 'shoestreet/viewers/FootView.js';

export class MakerFootView extends Viewer {
  constructor(canvas) {
    super(canvas, { background: '#eef1f5', orbit: {} });
    const grid = new THREE.GridHelper(0.5, 50, '#b7c0cc', '#d5dbe3');
    this.scene.add(grid);
    this.grid = grid;
    this.foot = null;
  }

  /** Show the foot in `arrayBuffer` (GLB, metres); resolves with its length in mm. */
  async load(arrayBuffer) {
    const foot = prepareFoot(await parseGLB(arrayBuffer));
    if (this.foot) { this.scene.remove(this.foot); disposeTree(this.foot); }
    this.foot = foot;
    this.scene.add(foot);
    const box = new THREE.Box3().setFromObject(foot);
    const c = box.getCenter(new THREE.Vector3());
    const size = box.getSize(new THREE.Vector3());
    this.grid.position.set(c.x, box.min.y, c.z);
    this.lookAt(c, new THREE.Vector3(0.28, 0.22, -0.05).setLength(this.fitDistance(Math.max(size.x, size.z) + 0.04)));
    return Math.max(size.x, size.z) * 1000;
  }
}

function disposeTree(root) {
  root.traverse((o) => {
    if (o.geometry) o.geometry.dispose();
    if (o.material) [].concat(o.material).forEach((m) => m.dispose());
  });
}
