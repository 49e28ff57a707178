// Walking controls for the street: keyboard (WASD / arrows), mouse drag to look,
// touch drag to look and an on-screen pad to walk. Keeps the walker on the street.

const KEYMAP = {
  KeyW: 'forward', ArrowUp: 'forward',
  KeyS: 'back', ArrowDown: 'back',
  KeyA: 'left', KeyD: 'right',
  ArrowLeft: 'turnLeft', ArrowRight: 'turnRight',
  KeyQ: 'turnLeft', KeyE: 'turnRight',
};

function isTypingTarget(t) {
  return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
}

export class Controls {
  /**
   * @param {HTMLElement} surface  element receiving pointer events (the canvas)
   * @param {object} opts {bounds: {minX,maxX,minZ,maxZ}, onChange(), onActivate(), speed}
   */
  constructor(surface, { bounds, onChange, onActivate, speedMps = 6, turnRps = 1.8 }) {
    this.surface = surface;
    this.bounds = bounds;
    this.onChange = onChange;
    this.onActivate = onActivate;
    this.speedMps = speedMps;
    this.turnRps = turnRps;
    this.x = 0; this.z = 8; this.yaw = 0; this.pitch = -0.05;
    this.held = new Set();
    this.drag = null;
    this.dragDistancePx = 0;
    this.bind();
  }

  bind() {
    const s = this.surface;
    this._keydown = (e) => {
      if (isTypingTarget(e.target)) return;
      const onSurface = e.target === s || e.target === document.body;
      if (e.key === 'Enter' && onSurface) { e.preventDefault(); this.onActivate && this.onActivate(); return; }
      const action = KEYMAP[e.code];
      if (!action || !onSurface) return;
      e.preventDefault();
      if (!this.held.has(action)) {
        if (!this.held.size) this.moveStartMs = performance.now();
        this.held.add(action);
        this.onChange && this.onChange();
      }
    };
    this._keyup = (e) => { const a = KEYMAP[e.code]; if (a) this.held.delete(a); };
    window.addEventListener('keydown', this._keydown);
    window.addEventListener('keyup', this._keyup);
    window.addEventListener('blur', () => this.held.clear());

    s.style.touchAction = 'none';
    s.addEventListener('pointerdown', (e) => {
      this.drag = { x: e.clientX, y: e.clientY, id: e.pointerId };
      this.dragDistancePx = 0;
      s.setPointerCapture(e.pointerId);
    });
    s.addEventListener('pointermove', (e) => {
      if (!this.drag || e.pointerId !== this.drag.id) return;
      const dx = e.clientX - this.drag.x, dy = e.clientY - this.drag.y;
      this.drag.x = e.clientX; this.drag.y = e.clientY;
      this.dragDistancePx += Math.abs(dx) + Math.abs(dy);
      this.yaw += dx * 0.005;
      this.pitch = Math.max(-0.9, Math.min(0.7, this.pitch - dy * 0.004));
      this.onChange && this.onChange();
    });
    const end = (e) => { if (this.drag && e.pointerId === this.drag.id) this.drag = null; };
    s.addEventListener('pointerup', end);
    s.addEventListener('pointercancel', end);
  }

  /** Wire on-screen buttons with data-move="forward|back|left|right" (touch screens). */
  bindPad(root) {
    const map = { forward: 'forward', back: 'back', left: 'turnLeft', right: 'turnRight' };
    for (const b of root.querySelectorAll('[data-move]')) {
      const action = map[b.dataset.move];
      const on = (e) => {
        e.preventDefault();
        if (!this.held.size) this.moveStartMs = performance.now();
        this.held.add(action);
        this.onChange && this.onChange();
      };
      const off = () => this.held.delete(action);
      b.addEventListener('pointerdown', on);
      b.addEventListener('pointerup', off);
      b.addEventListener('pointerleave', off);
      b.addEventListener('pointercancel', off);
    }
  }

  /** True while the walker is moving (the render loop keeps running). */
  get active() { return this.held.size > 0; }

  /** A click that did not drag (picking a building). */
  get wasClick() { return this.dragDistancePx < 6; }

  teleport(x, z, yaw) {
    this.x = x; this.z = z; if (yaw !== undefined) this.yaw = yaw;
    this.clamp();
    this.onChange && this.onChange();
  }

  clamp() {
    const b = this.bounds;
    this.x = Math.max(b.minX, Math.min(b.maxX, this.x));
    this.z = Math.max(b.minZ, Math.min(b.maxZ, this.z));
  }

  /** Advance by dt seconds; returns true if anything moved. */
  update(dtS) {
    if (!this.held.size) return false;
    const h = this.held;
    if (h.has('turnLeft')) this.yaw -= this.turnRps * dtS;
    if (h.has('turnRight')) this.yaw += this.turnRps * dtS;
    let f = 0, r = 0;
    if (h.has('forward')) f += 1;
    if (h.has('back')) f -= 1;
    if (h.has('right')) r += 1;
    if (h.has('left')) r -= 1;
    // yaw 0 looks down -Z; right-hand strafe is +X.
    const sin = Math.sin(this.yaw), cos = Math.cos(this.yaw);
    const step = this.speedMps * dtS;
    this.x += (f * sin + r * cos) * step;
    this.z += (-f * cos + r * sin) * step;
    this.clamp();
    return true;
  }

  applyTo(camera, eyeHeightM = 1.65) {
    camera.position.set(this.x, eyeHeightM, this.z);
    camera.rotation.order = 'YXZ';
    camera.rotation.set(this.pitch, -this.yaw, 0);
  }

  dispose() {
    window.removeEventListener('keydown', this._keydown);
    window.removeEventListener('keyup', this._keyup);
  }
}
