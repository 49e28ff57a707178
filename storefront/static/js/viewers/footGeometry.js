// Geometry helpers for the foot and last views (pure functions on flat coordinate arrays).
// Frame used by the try-on and foot views: +Y up, heel at z = 0, toe along +Z, centred on x = 0,
// metres. That is the frame of the catalog's lasts (storefront.catalog.glb).
import * as THREE from 'three';

/** World-space vertex positions of every mesh / point cloud under root, as Float32Array xyz. */
export function collectPositions(root) {
  root.updateMatrixWorld(true);
  const chunks = [];
  const v = new THREE.Vector3();
  root.traverse((o) => {
    if (!(o.isMesh || o.isPoints) || !o.geometry || !o.geometry.attributes.position) return;
    const pos = o.geometry.attributes.position;
    const out = new Float32Array(pos.count * 3);
    for (let i = 0; i < pos.count; i++) {
      v.fromBufferAttribute(pos, i).applyMatrix4(o.matrixWorld);
      out[3 * i] = v.x; out[3 * i + 1] = v.y; out[3 * i + 2] = v.z;
    }
    chunks.push(out);
  });
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const all = new Float32Array(n);
  let k = 0;
  for (const c of chunks) { all.set(c, k); k += c.length; }
  return all;
}

function extent(p, axis) {
  let lo = Infinity, hi = -Infinity;
  for (let i = axis; i < p.length; i += 3) { if (p[i] < lo) lo = p[i]; if (p[i] > hi) hi = p[i]; }
  return [lo, hi];
}

/** Width (x extent) of the points whose z lies in [z0, z1]. */
function bandWidth(p, z0, z1) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < p.length; i += 3) {
    const z = p[i + 2];
    if (z >= z0 && z <= z1) { if (p[i] < lo) lo = p[i]; if (p[i] > hi) hi = p[i]; }
  }
  return hi > lo ? hi - lo : 0;
}

/**
 * A matrix that puts a foot model (+Y up, metres) in the try-on frame. The long horizontal axis is
 * the foot axis; the heel is the end whose last 20 % is narrower than the forefoot.
 */
export function footFrameMatrix(root) {
  const p0 = collectPositions(root);
  const [x0, x1] = extent(p0, 0), [z0, z1] = extent(p0, 2);
  const m = new THREE.Matrix4();
  if (x1 - x0 > z1 - z0) m.makeRotationY(-Math.PI / 2); // +X -> +Z
  const p = p0.slice();
  applyMatrix(p, m);
  const [a, b] = extent(p, 2);
  const L = b - a;
  const widthLow = bandWidth(p, a, a + 0.2 * L);
  const widthHigh = bandWidth(p, b - 0.35 * L, b - 0.15 * L);
  if (widthLow > widthHigh) m.premultiply(new THREE.Matrix4().makeRotationY(Math.PI));
  const q = p0.slice();
  applyMatrix(q, m);
  const [qx0, qx1] = extent(q, 0), [qy0] = extent(q, 1);
  // Heel = pternion: the rearmost point within 40 mm of the floor (footscan §2.2), not the
  // rearmost point overall, which can be the back of the leg.
  let pternionZ = Infinity;
  for (let i = 0; i < q.length; i += 3) if (q[i + 1] - qy0 <= 0.04 && q[i + 2] < pternionZ) pternionZ = q[i + 2];
  m.premultiply(new THREE.Matrix4().makeTranslation(-(qx0 + qx1) / 2, -qy0, -pternionZ));
  return m;
}

export function applyMatrix(p, m) {
  const v = new THREE.Vector3();
  for (let i = 0; i < p.length; i += 3) {
    v.set(p[i], p[i + 1], p[i + 2]).applyMatrix4(m);
    p[i] = v.x; p[i + 1] = v.y; p[i + 2] = v.z;
  }
  return p;
}

/** 2D convex hull (Andrew's monotone chain) of [[u, v], ...]; counter-clockwise. */
export function convexHull(pts) {
  const P = pts.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (P.length < 3) return P;
  const cross = (o, a, b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower = [], upper = [];
  for (const p of P) { while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop(); lower.push(p); }
  for (let i = P.length - 1; i >= 0; i--) { const p = P[i]; while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop(); upper.push(p); }
  upper.pop(); lower.pop();
  return lower.concat(upper);
}

/** Convex-hull loop (x, y) of the points within ±halfM of z = station: a tape-measure girth. */
export function girthLoop(p, station, halfM = 0.004) {
  const pts = [];
  for (let i = 0; i < p.length; i += 3) if (Math.abs(p[i + 2] - station) <= halfM) pts.push([p[i], p[i + 1]]);
  return convexHull(pts);
}

export function perimeter(loop) {
  let s = 0;
  for (let i = 0; i < loop.length; i++) {
    const a = loop[i], b = loop[(i + 1) % loop.length];
    s += Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return s;
}

/** Cross-section segments of a triangle mesh cut by the plane z = c: [[x1,y1,x2,y2], ...]. */
export function sliceMesh(tris, c) {
  const segs = [];
  for (let t = 0; t < tris.length; t += 9) {
    const pts = [];
    for (let e = 0; e < 3; e++) {
      const i = t + 3 * e, j = t + 3 * ((e + 1) % 3);
      const za = tris[i + 2] - c, zb = tris[j + 2] - c;
      if ((za < 0) !== (zb < 0)) {
        const f = za / (za - zb);
        pts.push([tris[i] + f * (tris[j] - tris[i]), tris[i + 1] + f * (tris[j + 1] - tris[i + 1])]);
      }
    }
    if (pts.length === 2) segs.push([pts[0][0], pts[0][1], pts[1][0], pts[1][1]]);
  }
  return segs;
}

/** Non-indexed triangle soup (world xyz) of every mesh under root. */
export function triangleSoup(root) {
  root.updateMatrixWorld(true);
  const out = [];
  const v = new THREE.Vector3();
  root.traverse((o) => {
    if (!o.isMesh) return;
    const g = o.geometry.index ? o.geometry.toNonIndexed() : o.geometry;
    const pos = g.attributes.position;
    for (let i = 0; i < pos.count; i++) {
      v.fromBufferAttribute(pos, i).applyMatrix4(o.matrixWorld);
      out.push(v.x, v.y, v.z);
    }
  });
  return new Float32Array(out);
}

/** Signed distance from (x, y) to a closed cross-section: + inside (room), − outside (pressure). */
export function signedDistance(segs, x, y) {
  let best = Infinity, inside = false;
  for (const [ax, ay, bx, by] of segs) {
    const dx = bx - ax, dy = by - ay;
    const len2 = dx * dx + dy * dy || 1e-12;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    const d = Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
    if (d < best) best = d;
    // Crossing number with a ray towards +x.
    if ((ay > y) !== (by > y) && x < ax + ((y - ay) / (by - ay)) * dx) inside = !inside;
  }
  return inside ? best : -best;
}

/** Colour ramp tight (red) -> snug (yellow) -> roomy (blue) for a clearance in mm. */
export function clearanceColour(mm, out = new THREE.Color()) {
  const stops = [[-4, '#d7191c'], [0, '#fdae61'], [3, '#ffffbf'], [7, '#abd9e9'], [12, '#2c7bb6']];
  if (mm <= stops[0][0]) return out.set(stops[0][1]);
  for (let i = 1; i < stops.length; i++) {
    if (mm <= stops[i][0]) {
      const f = (mm - stops[i - 1][0]) / (stops[i][0] - stops[i - 1][0]);
      return out.set(stops[i - 1][1]).lerp(new THREE.Color(stops[i][1]), f);
    }
  }
  return out.set(stops[stops.length - 1][1]);
}
