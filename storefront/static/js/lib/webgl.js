// WebGL detection without loading three.js: pages decide on it before importing any 3D code.

/** True when the browser can make a WebGL (2 or 1) context. */
export function hasWebGL() {
  try {
    const c = document.createElement('canvas');
    return !!(window.WebGLRenderingContext && (c.getContext('webgl2') || c.getContext('webgl')));
  } catch {
    return false;
  }
}
