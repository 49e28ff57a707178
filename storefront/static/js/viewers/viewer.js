// The one viewer base every 3D view is built on: renderer, camera, lights, resize, render on
// demand, orbit controls when wanted, pixel read-back for the tests, and dispose.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

export { hasWebGL } from 'shoestreet/lib/webgl.js';

/** A renderer sized to its canvas's CSS box; pixel ratio capped, because fill rate is the cost. */
export function createRenderer(canvas, { maxPixelRatio = 1.5, antialias = true } = {}) {
  const renderer = new THREE.WebGLRenderer({ canvas, antialias, powerPreference: 'high-performance' });
  renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, maxPixelRatio));
  renderer.outputColorSpace = THREE.SRGBColorSpace;
  renderer.toneMapping = THREE.ACESFilmicToneMapping;
  renderer.toneMappingExposure = 1.0;
  return renderer;
}

/** Resize the renderer and camera to the canvas's layout size; returns true when it changed. */
export function fitToCanvas(renderer, camera) {
  const canvas = renderer.domElement;
  const w = Math.max(1, canvas.clientWidth), h = Math.max(1, canvas.clientHeight);
  const size = renderer.getSize(new THREE.Vector2());
  if (size.x === w && size.y === h) return false;
  renderer.setSize(w, h, false);
  camera.aspect = w / h;
  camera.updateProjectionMatrix();
  return true;
}

/** Read back the current frame and summarise it: used by tests to prove the canvas is not blank. */
export function framePixelStats(renderer, scene, camera) {
  renderer.render(scene, camera);
  const gl = renderer.getContext();
  const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
  const px = new Uint8Array(w * h * 4);
  gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
  let sum = 0, sumSq = 0, n = 0;
  const colours = new Set();
  for (let i = 0; i < px.length; i += 4 * 7) {
    const lum = 0.2126 * px[i] + 0.7152 * px[i + 1] + 0.0722 * px[i + 2];
    sum += lum; sumSq += lum * lum; n++;
    colours.add((px[i] >> 4) << 8 | (px[i + 1] >> 4) << 4 | (px[i + 2] >> 4));
  }
  const mean = sum / n;
  return { width: w, height: h, mean, variance: sumSq / n - mean * mean, distinctColours: colours.size };
}

/** Free the GPU side of everything under `root` (geometries, materials, their textures). */
export function disposeObject(root) {
  root.traverse((o) => {
    if (o.geometry) o.geometry.dispose();
    if (o.material) {
      for (const m of [].concat(o.material)) {
        for (const v of Object.values(m)) if (v && v.isTexture) v.dispose();
        m.dispose();
      }
    }
  });
}

/** Light rigs shared by the views. */
const LIGHTS = {
  // Product and foot views: soft sky/ground fill, a key from the front-right, a cool rim.
  studio: (scene) => {
    scene.add(new THREE.HemisphereLight('#ffffff', '#7d8896', 1.5));
    const key = new THREE.DirectionalLight('#ffffff', 1.8);
    key.position.set(0.6, 1.2, 0.8);
    scene.add(key);
    const rim = new THREE.DirectionalLight('#cfe0ff', 0.7);
    rim.position.set(-1.5, 1, -1);
    scene.add(rim);
  },
  none: () => {},
};

/**
 * The viewer base. Subclasses (or callers) fill `scene`; a frame is drawn only when
 * `requestRender()` asks for one (input, a resize, a loaded model), so an idle page costs nothing
 * on a software GPU.
 *
 * @param {HTMLCanvasElement} canvas
 * @param {object} opts
 *   background: colour or null; fov, near, far: camera; cameraAt: [x, y, z];
 *   lights: 'studio' | 'none'; maxPixelRatio, antialias: renderer;
 *   orbit: null or {target: [x, y, z], minDistance, maxDistance, maxPolarAngle, keys: true}
 */
export class Viewer {
  constructor(canvas, {
    background = '#eef1f5', fov = 35, near = 0.01, far = 20, cameraAt = [0.3, 0.2, 0.3],
    lights = 'studio', maxPixelRatio = 2, antialias = true, orbit = null,
  } = {}) {
    this.canvas = canvas;
    this.scene = new THREE.Scene();
    if (background) this.scene.background = new THREE.Color(background);
    this.camera = new THREE.PerspectiveCamera(fov, 1, near, far);
    this.camera.position.set(...cameraAt);
    this.renderer = createRenderer(canvas, { maxPixelRatio, antialias });
    LIGHTS[lights](this.scene);
    this.frames = 0;
    this.pending = false;
    this.controls = null;
    if (orbit) {
      const c = new OrbitControls(this.camera, canvas);
      if (orbit.keys !== false) c.listenToKeyEvents(canvas); // arrow keys pan when the view has focus
      if (orbit.target) c.target.set(...orbit.target);
      for (const k of ['minDistance', 'maxDistance', 'maxPolarAngle']) if (orbit[k] !== undefined) c[k] = orbit[k];
      c.enableDamping = false;
      c.update();
      c.addEventListener('change', () => this.requestRender());
      this.controls = c;
    }
    this.resizeObserver = new ResizeObserver(() => this.requestRender());
    this.resizeObserver.observe(canvas);
  }

  /** Point the orbit camera at `target` from `target + offset` (metres). */
  lookAt(target, offset) {
    this.camera.position.copy(target).add(offset);
    if (this.controls) { this.controls.target.copy(target); this.controls.update(); }
    else this.camera.lookAt(target);
    this.requestRender();
  }

  /**
   * The camera distance at which an object `extentM` across fills the view (times `margin`),
   * whichever of the two view angles is narrower: portrait phones need the camera further back.
   */
  fitDistance(extentM, margin = 1.05) {
    const aspect = Math.max(0.3, this.canvas.clientWidth / Math.max(1, this.canvas.clientHeight));
    const v = (this.camera.fov * Math.PI) / 180;
    const h = 2 * Math.atan(Math.tan(v / 2) * aspect);
    return (extentM * margin) / 2 / Math.tan(Math.min(v, h) / 2);
  }

  /** Ask for one frame on the next animation frame; several requests make one frame. */
  requestRender() {
    if (this.pending || this.disposed) return;
    this.pending = true;
    requestAnimationFrame(() => this.renderNow(performance.now()));
  }

  /** Hook for subclasses: move things before the frame is drawn (t: performance.now()). */
  beforeRender() {}

  /** Hook for subclasses: after the frame (e.g. ask for the next one while something moves). */
  afterRender() {}

  renderNow(t = performance.now()) {
    this.pending = false;
    if (this.disposed) return;
    this.beforeRender(t);
    fitToCanvas(this.renderer, this.camera);
    this.renderer.render(this.scene, this.camera);
    this.frames++;
    this.afterRender(t);
  }

  pixelStats() { return framePixelStats(this.renderer, this.scene, this.camera); }

  /** Stop observing, free every GPU resource and the WebGL context. */
  dispose() {
    this.disposed = true;
    this.resizeObserver.disconnect();
    if (this.controls) this.controls.dispose();
    disposeObject(this.scene);
    if (this.scene.background && this.scene.background.isTexture) this.scene.background.dispose();
    this.renderer.dispose();
  }
}
