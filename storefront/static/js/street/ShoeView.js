// Product view: one shoe model on a turntable with orbit and zoom; colourways recolour the
// nodes named upper / sole / accent.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { createRenderer, fitToCanvas, loadGLB, normaliseShoe, applyColourway, framePixelStats } from 'shoestreet/street/three-utils.js';

export class ShoeView {
  constructor(canvas) {
    this.canvas = canvas;
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color('#e9e6e0');
    this.camera = new THREE.PerspectiveCamera(35, 1, 0.01, 20);
    this.camera.position.set(0.3, 0.2, 0.34);
    this.renderer = createRenderer(canvas, { maxPixelRatio: 2 });
    this.scene.add(new THREE.HemisphereLight('#ffffff', '#8a7f72', 1.6));
    const key = new THREE.DirectionalLight('#ffffff', 2.0);
    key.position.set(1, 2, 1.5);
    this.scene.add(key);
    const rim = new THREE.DirectionalLight('#cfe0ff', 0.8);
    rim.position.set(-1.5, 1, -1);
    this.scene.add(rim);
    const floor = new THREE.Mesh(new THREE.CircleGeometry(0.35, 48), new THREE.MeshStandardMaterial({ color: '#d4cfc6', roughness: 0.9 }));
    floor.rotation.x = -Math.PI / 2;
    this.scene.add(floor);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.listenToKeyEvents(canvas); // arrow keys pan when the view has focus
    this.controls.target.set(0, 0.05, 0);
    this.controls.minDistance = 0.18;
    this.controls.maxDistance = 1.4;
    this.controls.maxPolarAngle = Math.PI * 0.55;
    this.controls.update();
    this.controls.addEventListener('change', () => this.requestRender());
    this.shoe = null;
    new ResizeObserver(() => this.requestRender()).observe(canvas);
  }

  async load(url) {
    const obj = normaliseShoe(await loadGLB(url));
    if (this.shoe) this.scene.remove(this.shoe);
    this.shoe = obj;
    // Heel to toe along X, centred: turn it three-quarters towards the viewer.
    obj.rotation.y = -0.35;
    this.scene.add(obj);
    this.requestRender();
    return obj;
  }

  setColourway(cw) {
    if (this.shoe) applyColourway(this.shoe, cw);
    this.requestRender();
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
