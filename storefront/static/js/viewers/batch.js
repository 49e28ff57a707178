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

  /** The batch as one mesh with `material` (its vertexColors switched on). */
  mesh(material) {
    material.vertexColors = true;
    return new THREE.Mesh(this.build(), material);
  }
}
