// Static geometry merged into one mesh per material (one draw call each): the street draws a
// whole row of shops with a handful of calls instead of one per box, which is what a software
// GPU pays for.
import * as THREE from 'three';

export class Batch {
  constructor() { this.parts = []; }

  /**
   * Add a geometry placed by `matrix` (a Matrix4) with one colour; `uvRect` [u0, v0, u1, v1]
   * squeezes its UVs into a rectangle of an atlas texture.
   */
  add(geometry, matrix, colour, uvRect = null) {
    this.parts.push({ geometry, matrix: matrix.clone(), colour: new THREE.Color(colour), uvRect });
  }

  /** One non-indexed BufferGeometry with position, normal, color (and uv when any part has UVs). */
  build() {
    let n = 0;
    const geos = this.parts.map((p) => {
      const g = p.geometry.index ? p.geometry.toNonIndexed() : p.geometry.clone();
      g.applyMatrix4(p.matrix);
      n += g.attributes.position.count;
      return g;
    });
    const pos = new Float32Array(n * 3), nor = new Float32Array(n * 3), col = new Float32Array(n * 3), uv = new Float32Array(n * 2);
    let k = 0;
    geos.forEach((g, i) => {
      const { colour, uvRect } = this.parts[i];
      const c = g.attributes.position.count;
      pos.set(g.attributes.position.array, 3 * k);
      if (g.attributes.normal) nor.set(g.attributes.normal.array, 3 * k);
      for (let j = 0; j < c; j++) { col[3 * (k + j)] = colour.r; col[3 * (k + j) + 1] = colour.g; col[3 * (k + j) + 2] = colour.b; }
      if (g.attributes.uv) {
        const src = g.attributes.uv.array;
        for (let j = 0; j < c; j++) {
          let u = src[2 * j], v = src[2 * j + 1];
          if (uvRect) { u = uvRect[0] + u * (uvRect[2] - uvRect[0]); v = uvRect[1] + v * (uvRect[3] - uvRect[1]); }
          uv[2 * (k + j)] = u; uv[2 * (k + j) + 1] = v;
        }
      }
      k += c;
      g.dispose();
    });
    const out = new THREE.BufferGeometry();
    out.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    out.setAttribute('normal', new THREE.BufferAttribute(nor, 3));
    out.setAttribute('color', new THREE.BufferAttribute(col, 3));
    out.setAttribute('uv', new THREE.BufferAttribute(uv, 2));
    out.computeBoundingSphere();
    return out;
  }

  /**
   * The batch as one mesh with `material` (its vertexColors switched on). With `bakeLights`
   * ({hemi: HemisphereLight, dirs: [DirectionalLight]}), the lights' Lambert shading is computed
   * once per vertex into the colours, exactly as three.js's Lambert shader would per pixel for
   * flat faces, so an unlit MeshBasicMaterial draws the same picture with no lighting cost.
   */
  mesh(material, bakeLights = null) {
    material.vertexColors = true;
    const geometry = this.build();
    if (bakeLights) bakeLambert(geometry, bakeLights);
    return new THREE.Mesh(geometry, material);
  }
}

/**
 * Multiply a geometry's vertex colours by the Lambert irradiance of a hemisphere light and
 * directional lights at each vertex normal (three.js: diffuse / pi x (sum of irradiances)).
 */
export function bakeLambert(geometry, { hemi = null, dirs = [] }) {
  const n = geometry.attributes.normal, c = geometry.attributes.color;
  const sky = hemi ? hemi.color.clone().multiplyScalar(hemi.intensity) : new THREE.Color(0, 0, 0);
  const ground = hemi ? hemi.groundColor.clone().multiplyScalar(hemi.intensity) : new THREE.Color(0, 0, 0);
  const up = hemi ? hemi.position.clone().normalize() : new THREE.Vector3(0, 1, 0);
  const lights = dirs.map((d) => ({
    dir: d.position.clone().sub(d.target.position).normalize(),
    colour: d.color.clone().multiplyScalar(d.intensity),
  }));
  const v = new THREE.Vector3(), irr = new THREE.Color();
  for (let i = 0; i < n.count; i++) {
    v.fromBufferAttribute(n, i);
    irr.copy(ground).lerp(sky, 0.5 * v.dot(up) + 0.5);
    for (const l of lights) irr.add(l.colour.clone().multiplyScalar(Math.max(0, v.dot(l.dir))));
    c.setXYZ(i, c.getX(i) * irr.r / Math.PI, c.getY(i) * irr.g / Math.PI, c.getZ(i) * irr.b / Math.PI);
  }
  c.needsUpdate = true;
}
