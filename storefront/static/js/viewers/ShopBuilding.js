// One shop on the street: a building with a readable sign, a lit shop window, a door, an awning
// and upper windows. It does not make meshes of its own: it adds its boxes and planes to the
// street's batches (lit, glowing, sign atlas), so the whole street is a handful of draw calls.
import * as THREE from 'three';

const WINDOW_GLOW = new THREE.Color('#ffe7b0');
// Light washing the facade from the shop window and the lamp (baked into the facade's colour
// instead of a point light per shop, which a software GPU pays for on every pixel).
const FACADE_WASH = 0.3;

const BOX = new THREE.BoxGeometry(1, 1, 1);
const PLANE = new THREE.PlaneGeometry(1, 1);

export class ShopBuilding {
  /**
   * @param {object} shop  catalog shop {id, name, brand, tagline, color}
   * @param {object} place {x, z, side: -1 left | +1 right, width, depth, height}
   */
  constructor(shop, place) {
    this.shop = shop;
    this.place = place;
    this.group = new THREE.Group(); // shop-window shoes and the pick box live here
    this.group.name = 'shop:' + shop.id;
    this.group.userData.shopId = shop.id;
    const { x, z, side, depth } = place;
    // The facade faces the street: local +X points towards the street for left shops.
    this.group.position.set(x + side * depth / 2, 0, z);
    this.group.rotation.y = side < 0 ? 0 : Math.PI;
    this.group.updateMatrixWorld(true);
    this.pickables = [];
  }

  /** World position on the pavement in front of the door. */
  get doorPosition() {
    const { x, z, side } = this.place;
    return new THREE.Vector3(x - side * 1.2, 0, z);
  }

  /** A local transform (position, Y rotation, scale) composed with the building's placement. */
  at(px, py, pz, sx, sy, sz, rotY = 0, rotZ = 0) {
    const local = new THREE.Matrix4().compose(
      new THREE.Vector3(px, py, pz),
      new THREE.Quaternion().setFromEuler(new THREE.Euler(0, rotY, rotZ, 'YZX')),
      new THREE.Vector3(sx, sy, sz),
    );
    return new THREE.Matrix4().multiplyMatrices(this.group.matrixWorld, local);
  }

  /**
   * Add the building to the street's batches: `lit` (lambert, vertex colours), `glow` (unlit,
   * vertex colours) and `signs` (unlit, the sign atlas; `signRect` is this shop's rectangle in it).
   */
  addTo({ lit, glow, signs }, signRect) {
    const { width, depth, height } = this.place;
    const base = new THREE.Color(this.shop.color || '#8899aa');
    const wall = base.clone().lerp(new THREE.Color('#f2ece4'), 0.55);
    const washed = wall.clone().lerp(WINDOW_GLOW, FACADE_WASH).multiplyScalar(1.45);
    const front = depth / 2 + 0.01;

    lit.add(BOX, this.at(0, height / 2, 0, depth, height, width), wall);
    // The lit facade: a plane just in front of the body, washed by the window light.
    lit.add(PLANE, this.at(front - 0.005, height / 2, 0, width, height, 1, Math.PI / 2), washed);
    lit.add(BOX, this.at(0, height + 0.2, 0, depth + 0.4, 0.4, width + 0.4), base.clone().multiplyScalar(0.55));

    // Shop window (glowing), sill, door.
    glow.add(PLANE, this.at(front, 1.7, -width * 0.22, width * 0.42, 2.4, 1, Math.PI / 2), new THREE.Color('#2a2f38').lerp(WINDOW_GLOW, 0.55));
    this.windowAnchor = new THREE.Vector3(front + 0.22, 0.51, -width * 0.22);
    lit.add(BOX, this.at(front, 0.45, -width * 0.22, 0.8, 0.12, width * 0.44), base.clone().multiplyScalar(0.6));
    glow.add(PLANE, this.at(front + 0.005, 1.25, width * 0.22, 1.6, 2.5, 1, Math.PI / 2), base.clone().multiplyScalar(0.45).lerp(WINDOW_GLOW, 0.3));
    lit.add(BOX, this.at(front + 0.7, 2.95, 0, 1.4, 0.12, width * 0.9, 0, -0.18), base);

    // Upper-floor windows, some lit.
    const rows = Math.max(1, Math.floor((height - 6.3) / 2.2));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < 3; c++) {
        const seed = (this.shop.id.length * 7 + r * 3 + c * 5) % 4;
        const m = this.at(front, 6.9 + r * 2.2, (c - 1) * width * 0.3, 1.1, 1.3, 1, Math.PI / 2);
        if (seed === 0) lit.add(PLANE, m, '#3b4452');
        else glow.add(PLANE, m, new THREE.Color('#333333').lerp(WINDOW_GLOW, 0.6));
      }
    }
    // The sign: unlit, from the atlas, so the lettering keeps its contrast whatever the lighting.
    signs.add(PLANE, this.at(front + 0.06, 4.75, 0, width * 0.86, width * 0.86 / 4, 1, Math.PI / 2), '#ffffff', signRect);

    // Picking: one invisible box around the building (never drawn).
    const pick = new THREE.Mesh(BOX, new THREE.MeshBasicMaterial());
    pick.position.set(0.5, height / 2, 0);
    pick.scale.set(depth + 1.2, height, width);
    pick.visible = false;
    pick.userData.shopId = this.shop.id;
    this.group.add(pick);
    this.pickables.push(pick);
  }

  /** Put a loaded shoe model in the shop window (called after the first frame). */
  showInWindow(object) {
    object.position.copy(this.windowAnchor);
    object.rotation.y = -0.6;
    object.scale.setScalar(3);
    object.traverse((o) => { o.userData.shopId = this.shop.id; });
    this.group.add(object);
  }
}
