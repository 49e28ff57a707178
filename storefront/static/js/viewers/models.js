// Shoe and foot models: GLB loading, named parts, colourways and the standard shoe pose.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

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
