// A 2D map of the street: shops as coloured blocks, the walker as an arrow. Click to jump.

export class Minimap {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {Array} buildings ShopBuilding[] (uses .shop and .place)
   * @param {object} bounds {minX,maxX,minZ,maxZ} of the walkable street
   * @param {function} onJump (building) => void
   */
  constructor(canvas, buildings, bounds, onJump) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.buildings = buildings;
    this.onJump = onJump;
    const pad = 2;
    // The street runs along Z; the map shows it left to right.
    this.world = { minX: bounds.minX - 12, maxX: bounds.maxX + 12, minZ: bounds.minZ - pad, maxZ: bounds.maxZ + pad };
    canvas.addEventListener('click', (e) => {
      const r = canvas.getBoundingClientRect();
      const px = (e.clientX - r.left) * (canvas.width / r.width);
      const py = (e.clientY - r.top) * (canvas.height / r.height);
      const hit = this.buildings.find((b) => {
        const q = this.rect(b);
        return px >= q.x && px <= q.x + q.w && py >= q.y && py <= q.y + q.h;
      });
      if (hit) this.onJump(hit);
    });
  }

  toMap(x, z) {
    const w = this.world, c = this.canvas;
    return {
      x: ((w.maxZ - z) / (w.maxZ - w.minZ)) * c.width,
      y: ((x - w.minX) / (w.maxX - w.minX)) * c.height,
    };
  }

  rect(b) {
    const { x, z, side, width, depth } = b.place;
    const a = this.toMap(x + side * depth, z + width / 2);
    const c = this.toMap(x, z - width / 2);
    return { x: Math.min(a.x, c.x), y: Math.min(a.y, c.y), w: Math.abs(c.x - a.x), h: Math.abs(c.y - a.y) };
  }

  draw(walker) {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#1d2330';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const top = this.toMap(-4, 0).y, bottom = this.toMap(4, 0).y;
    ctx.fillStyle = '#3a4150';
    ctx.fillRect(0, top, canvas.width, bottom - top);
    ctx.font = 'bold 11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const b of this.buildings) {
      const q = this.rect(b);
      ctx.fillStyle = b.shop.color || '#889';
      ctx.fillRect(q.x + 1, q.y, q.w - 2, q.h);
      // Brand initials: whole names do not fit a phone-sized map.
      const label = String(b.shop.brand || b.shop.name).split(/[\s&]+/).filter(Boolean).map((w) => w[0]).join('').slice(0, 3);
      ctx.fillStyle = '#fff';
      ctx.fillText(label, q.x + q.w / 2, q.y + q.h / 2);
    }
    if (walker) {
      const p = this.toMap(walker.x, walker.z);
      ctx.save();
      ctx.translate(p.x, p.y);
      // yaw 0 faces -Z which is +x on the map.
      ctx.rotate(walker.yaw);
      ctx.fillStyle = '#ffd23f';
      ctx.beginPath();
      ctx.moveTo(8, 0); ctx.lineTo(-5, -5); ctx.lineTo(-5, 5); ctx.closePath();
      ctx.fill();
      ctx.restore();
    }
  }
}
