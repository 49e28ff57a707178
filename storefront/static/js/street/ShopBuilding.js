// One shop on the street: a lit building with a readable sign, a shop window and a door.
import * as THREE from 'three';
import { makeSignTexture } from 'shoestreet/street/SignTexture.js';

const WINDOW_GLOW = new THREE.Color('#ffe7b0');

export class ShopBuilding {
  /**
   * @param {object} shop  catalog shop {id, name, brand, tagline, color}
   * @param {object} place {x, z, side: -1 left | +1 right, width, depth, height}
   */
  constructor(shop, place) {
    this.shop = shop;
    this.place = place;
    this.group = new THREE.Group();
    this.group.name = 'shop:' + shop.id;
    this.group.userData.shopId = shop.id;
    this.pickables = [];
    this.build();
  }

  /** World position on the pavement in front of the door. */
  get doorPosition() {
    const { x, z, side } = this.place;
    return new THREE.Vector3(x - side * 1.2, 0, z);
  }

  build() {
    const { x, z, side, width, depth, height } = this.place;
    const base = new THREE.Color(this.shop.color || '#8899aa');
    const wall = base.clone().lerp(new THREE.Color('#f2ece4'), 0.55);
    // The facade faces the street: local +X points towards the street for left shops.
    const g = this.group;
    g.position.set(x + side * depth / 2, 0, z);
    g.rotation.y = side < 0 ? 0 : Math.PI;

    const body = new THREE.Mesh(
      new THREE.BoxGeometry(depth, height, width),
      new THREE.MeshStandardMaterial({ color: wall, roughness: 0.85, metalness: 0.0 }),
    );
    body.position.y = height / 2;
    g.add(body);
    this.pickables.push(body);

    const roof = new THREE.Mesh(
      new THREE.BoxGeometry(depth + 0.4, 0.4, width + 0.4),
      new THREE.MeshStandardMaterial({ color: base.clone().multiplyScalar(0.55), roughness: 0.7 }),
    );
    roof.position.y = height + 0.2;
    g.add(roof);

    const front = depth / 2 + 0.01;
    // Shop window: warm, emissive, so the building reads as lit from inside.
    const glass = new THREE.Mesh(
      new THREE.PlaneGeometry(width * 0.42, 2.4),
      new THREE.MeshStandardMaterial({ color: "#2a2f38", emissive: WINDOW_GLOW, emissiveIntensity: 0.5, roughness: 0.2 }),
    );
    glass.position.set(front, 1.7, -width * 0.22);
    glass.rotation.y = Math.PI / 2;
    g.add(glass);
    this.pickables.push(glass);
    this.windowAnchor = new THREE.Vector3(front + 0.22, 0.51, -width * 0.22);

    const sill = new THREE.Mesh(
      new THREE.BoxGeometry(0.8, 0.12, width * 0.44),
      new THREE.MeshStandardMaterial({ color: base.clone().multiplyScalar(0.6) }),
    );
    sill.position.set(front, 0.45, -width * 0.22);
    g.add(sill);

    const door = new THREE.Mesh(
      new THREE.PlaneGeometry(1.6, 2.5),
      new THREE.MeshStandardMaterial({ color: base.clone().multiplyScalar(0.45), emissive: WINDOW_GLOW, emissiveIntensity: 0.25, roughness: 0.5 }),
    );
    door.position.set(front + 0.005, 1.25, width * 0.22);
    door.rotation.y = Math.PI / 2;
    g.add(door);
    this.pickables.push(door);

    const awning = new THREE.Mesh(
      new THREE.BoxGeometry(1.4, 0.12, width * 0.9),
      new THREE.MeshStandardMaterial({ color: base, roughness: 0.6 }),
    );
    awning.position.set(front + 0.7, 2.95, 0);
    awning.rotation.z = -0.18;
    g.add(awning);

    // Upper-floor windows, some lit.
    const lit = new THREE.MeshStandardMaterial({ color: '#333', emissive: WINDOW_GLOW, emissiveIntensity: 0.6 });
    const dark = new THREE.MeshStandardMaterial({ color: '#3b4452', roughness: 0.3 });
    const rows = Math.max(1, Math.floor((height - 6.3) / 2.2));
    const winGeo = new THREE.PlaneGeometry(1.1, 1.3);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < 3; c++) {
        const seed = (this.shop.id.length * 7 + r * 3 + c * 5) % 4;
        const w = new THREE.Mesh(winGeo, seed === 0 ? dark : lit);
        w.position.set(front, 6.9 + r * 2.2, (c - 1) * width * 0.3);
        w.rotation.y = Math.PI / 2;
        g.add(w);
      }
    }

    // The sign: unlit material so the lettering keeps its contrast whatever the lighting.
    const signTex = makeSignTexture({ name: this.shop.name, tagline: this.shop.tagline || this.shop.brand || '', color: this.shop.color });
    const sign = new THREE.Mesh(
      new THREE.PlaneGeometry(width * 0.86, width * 0.86 / 4),
      new THREE.MeshBasicMaterial({ map: signTex, toneMapped: false }),
    );
    sign.position.set(front + 0.06, 4.75, 0);
    sign.rotation.y = Math.PI / 2;
    sign.name = 'sign:' + this.shop.id;
    g.add(sign);
    this.pickables.push(sign);

    // One light per shop washing the facade; a few point lights stay cheap in SwiftShader.
    const light = new THREE.PointLight(WINDOW_GLOW, 18, 14, 1.6);
    light.position.set(front + 3, 4.2, 0);
    g.add(light);

    for (const m of this.pickables) m.userData.shopId = this.shop.id;
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
