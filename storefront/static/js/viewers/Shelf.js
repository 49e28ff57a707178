// Shop displays: wall shelves, plinths, cubbies, tables and steps, each with evenly spaced slots
// for shoe models. Every display returns {group, slots} (slots in the group's local frame).
import * as THREE from 'three';

/** A wall shelf: planks on brackets, filled level by level from the top (eye height first). */
export class Shelf {
  /**
   * @param {object} opts {widthM, levels, levelGapM, depthM, color, baseM}
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

/** Plinths in a row (a running lab's podiums): one shoe on each, heights stepping. */
function plinths(count, widthM, color) {
  const group = new THREE.Group();
  const mat = new THREE.MeshStandardMaterial({ color, roughness: 0.4 });
  const slots = [];
  const n = Math.max(1, count);
  const cols = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / cols), k = i % cols;
    const h = 0.55 + 0.25 * ((k + row) % 3);
    const geo = new THREE.CylinderGeometry(0.22, 0.26, h, 20);
    const p = new THREE.Mesh(geo, mat);
    const x = -widthM / 2 + (k + 0.5) * (widthM / cols);
    const z = row * 1.1;
    p.position.set(x, h / 2, z);
    group.add(p);
    slots.push(new THREE.Vector3(x, h + 0.01, z));
  }
  return { group, slots };
}

/** A grid of open cubbies (kids' shop): bright boxes, one shoe in each. */
function cubbies(count, widthM, color) {
  const group = new THREE.Group();
  const cols = Math.max(3, Math.ceil(count / 2));
  const rows = Math.ceil(count / cols);
  const cw = widthM / cols, ch = 0.55;
  const palette = [color, '#ff8fab', '#7bdff2', '#b2f7ef', '#f7d6e0'];
  const slots = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (i >= count) break;
      const mat = new THREE.MeshStandardMaterial({ color: palette[i % palette.length], roughness: 0.7 });
      const back = new THREE.Mesh(new THREE.BoxGeometry(cw - 0.04, ch - 0.04, 0.04), mat);
      const x = -widthM / 2 + (c + 0.5) * cw, y = 0.35 + r * ch + ch / 2;
      back.position.set(x, y, 0.02);
      const floor = new THREE.Mesh(new THREE.BoxGeometry(cw - 0.04, 0.04, 0.42), mat);
      floor.position.set(x, y - ch / 2 + 0.02, 0.21);
      group.add(back, floor);
      slots.push(new THREE.Vector3(x, y - ch / 2 + 0.05, 0.24));
    }
  }
  return { group, slots };
}

/** Low tables (a shoemaker's showroom): two or three shoes on each. */
function tables(count, widthM, color) {
  const group = new THREE.Group();
  const top = new THREE.MeshStandardMaterial({ color, roughness: 0.35 });
  const leg = new THREE.MeshStandardMaterial({ color: '#2a211b', roughness: 0.6 });
  const nTables = Math.max(1, Math.ceil(count / 3));
  const slots = [];
  for (let i = 0; i < nTables; i++) {
    const x = -widthM / 2 + (i + 0.5) * (widthM / nTables);
    const z = (i % 2) * 0.9;
    const t = new THREE.Mesh(new THREE.BoxGeometry(1.3, 0.06, 0.7), top);
    t.position.set(x, 0.72, z);
    group.add(t);
    for (const dx of [-0.58, 0.58]) {
      const l = new THREE.Mesh(new THREE.BoxGeometry(0.06, 0.7, 0.6), leg);
      l.position.set(x + dx, 0.35, z);
      group.add(l);
    }
    for (let k = 0; k < 3 && slots.length < count; k++) slots.push(new THREE.Vector3(x - 0.4 + k * 0.4, 0.76, z));
  }
  return { group, slots };
}

/** Stepped risers against the wall (outdoor and city shops): shoes on each step. */
function steps(count, widthM, color) {
  const group = new THREE.Group();
  const mat = new THREE.MeshStandardMaterial({ color, roughness: 0.9 });
  const levels = 3;
  const perLevel = Math.max(1, Math.ceil(count / levels));
  const slots = [];
  for (let l = 0; l < levels; l++) {
    const h = 0.35 * (levels - l);
    const step = new THREE.Mesh(new THREE.BoxGeometry(widthM, h, 0.5), mat);
    step.position.set(0, h / 2, 0.25 + l * 0.5);
    group.add(step);
  }
  for (let i = 0; i < count; i++) {
    const l = Math.floor(i / perLevel), k = i % perLevel;
    const x = -widthM / 2 + (k + 0.5) * (widthM / perLevel);
    slots.push(new THREE.Vector3(x, 0.35 * (levels - l) + 0.01, 0.25 + l * 0.5));
  }
  return { group, slots };
}

/**
 * One display of `kind` ('wall' | 'plinths' | 'cubbies' | 'tables' | 'steps') holding `count`
 * shoes across `widthM`; returns {group, slots}.
 */
export function makeDisplay(kind, count, { widthM = 4.6, color = '#7a5c3e' } = {}) {
  if (kind === 'plinths') return plinths(count, widthM, color);
  if (kind === 'cubbies') return cubbies(count, widthM, color);
  if (kind === 'tables') return tables(count, widthM, color);
  if (kind === 'steps') return steps(count, widthM, color);
  const shelf = new Shelf({ widthM, levels: 3, color });
  return { group: shelf.group, slots: shelf.slots(count) };
}
