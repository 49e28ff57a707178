// Shared three.js plumbing: renderer set-up, WebGL detection, GLB loading and recolouring.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

export function hasWebGL() {
  try {
    const c = document.createElement('canvas');
    return !!(window.WebGLRenderingContext && (c.getContext('webgl2') || c.getContext('webgl')));
  } catch {
    return false;
  }
}

/** A renderer sized to its canvas's CSS box; pixel ratio capped, because fill rate is the cost. */
export function createRenderer(canvas, { maxPixelRatio = 1.5 } = {}) {
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true, powerPreference: 'high-performance' });
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

const loader = new GLTFLoader();

/** Load a GLB from a URL (catalog art) and resolve with its scene. */
export function loadGLB(url) {
  return new Promise((resolve, reject) => {
    loader.load(url, (gltf) => resolve(gltf.scene), undefined,
      () => reject(new Error(`The 3D model ${url} could not be loaded.`)));
  });
}

/** Parse GLB bytes (for models fetched with credentials, like the shopper's foot). */
export function parseGLB(arrayBuffer) {
  return new Promise((resolve, reject) => {
    loader.parse(arrayBuffer, '', (gltf) => resolve(gltf.scene),
      () => reject(new Error('The 3D model could not be read.')));
  });
}

/** Find the named part ('upper' | 'sole' | 'accent') of a shoe model. */
export function findPart(root, part) {
  let found = null;
  root.traverse((o) => {
    if (found) return;
    const n = (o.name || '').toLowerCase();
    if (n === part || n.startsWith(part + '_') || n.startsWith(part + '.')) found = o;
  });
  return found;
}

/** Give every mesh its own material, so recolouring one shoe leaves the shared cache alone. */
export function ownMaterials(root) {
  root.traverse((o) => {
    if (o.isMesh && o.material && !o.userData.ownMaterial) {
      o.material = o.material.clone();
      o.userData.ownMaterial = true;
    }
  });
}

/** Apply a colourway {upper_hex, sole_hex, accent_hex} to a shoe's named parts. */
export function applyColourway(root, colourway) {
  if (!colourway) return;
  ownMaterials(root);
  for (const part of ['upper', 'sole', 'accent']) {
    const hex = colourway[part + '_hex'];
    const node = findPart(root, part);
    if (!hex || !node) continue;
    node.traverse((o) => {
      if (o.isMesh) {
        o.material.color.set(hex);
        o.material.needsUpdate = true;
      }
    });
  }
}

/**
 * Put a catalog shoe in a standard pose: heel at the origin side, toe along +X, sole on y = 0,
 * centred across its width. The catalog GLBs are glTF (+Y up, metres); the longest horizontal
 * extent is the shoe's length.
 */
export function normaliseShoe(root) {
  const box = new THREE.Box3().setFromObject(root);
  const size = box.getSize(new THREE.Vector3());
  const wrapper = new THREE.Group();
  wrapper.add(root);
  if (size.z > size.x) root.rotation.y = Math.PI / 2;
  root.updateMatrixWorld(true);
  const b2 = new THREE.Box3().setFromObject(root);
  const c = b2.getCenter(new THREE.Vector3());
  root.position.set(-c.x, -b2.min.y, -c.z);
  wrapper.userData.lengthM = Math.max(size.x, size.z);
  return wrapper;
}

export function disposeObject(root) {
  root.traverse((o) => {
    if (o.geometry) o.geometry.dispose();
    if (o.material) for (const m of [].concat(o.material)) { if (m.map) m.map.dispose(); m.dispose(); }
  });
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
