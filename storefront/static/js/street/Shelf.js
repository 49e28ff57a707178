// A wall shelf: planks on brackets with evenly spaced slots for shoe models.
import * as THREE from 'three';

export class Shelf {
  /**
   * @param {object} opts {widthM, levels, levelGapM, depthM, color}
   */
  constructor({ widthM = 6, levels = 3, levelGapM = 0.6, depthM = 0.45, color = '#7a5c3e', baseM = 0.6 } = {}) {
    this.widthM = widthM;
    this.levels = levels;
    this.levelGapM = levelGapM;
    this.baseM = baseM;
    this.group = new THREE.Group();
    const wood = new THREE.MeshStandardMaterial({ color, roughness: 0.75 });
    const metal = new THREE.MeshStandardMaterial({ color: '#444a52', metalness: 0.4, roughness: 0.5 });
    const plankGeo = new THREE.BoxGeometry(widthM, 0.04, depthM);
    for (let i = 0; i < levels; i++) {
      const plank = new THREE.Mesh(plankGeo, wood);
      plank.position.set(0, baseM + i * levelGapM, depthM / 2);
      this.group.add(plank);
    }
    const uprightH = baseM + (levels - 1) * levelGapM + 0.15;
    const uprightGeo = new THREE.BoxGeometry(0.05, uprightH, 0.05);
    for (const x of [-widthM / 2, 0, widthM / 2]) {
      const up = new THREE.Mesh(uprightGeo, metal);
      up.position.set(x, uprightH / 2, 0.03);
      this.group.add(up);
    }
    this.depthM = depthM;
  }

  /** Local positions of `count` slots, filled level by level from the top (eye height first). */
  slots(count) {
    const perLevel = Math.max(1, Math.ceil(count / this.levels));
    const out = [];
    for (let i = 0; i < count; i++) {
      const level = this.levels - 1 - Math.floor(i / perLevel);
      const k = i % perLevel;
      const x = -this.widthM / 2 + (k + 0.5) * (this.widthM / perLevel);
      out.push(new THREE.Vector3(x, this.baseM + level * this.levelGapM + 0.02, this.depthM / 2));
    }
    return out;
  }
}
