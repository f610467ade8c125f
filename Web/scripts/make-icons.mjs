// Draws the app icons (a coat hanger over a ring on the brand colour) into public/icons as PNGs, with no dependencies:
// node scripts/make-icons.mjs. The PNGs are committed; rerun after changing the drawing.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = buf => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body));
  return Buffer.concat([len, body, sum]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      // 4x4 supersampling for smooth edges
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
        const [pr, pg, pb, pa] = pixel((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
        r += pr * pa; g += pg * pa; b += pb * pa; a += pa;
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = a ? r / a : 0; raw[o + 1] = a ? g / a : 0; raw[o + 2] = a ? b / a : 0; raw[o + 3] = (a / 16) * 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 6;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const ink = [31, 27, 46, 1], accent = [234, 88, 12, 1], cream = [246, 244, 241, 1], none = [0, 0, 0, 0];
const distToSegment = (px, py, ax, ay, bx, by) => {
  const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
};
// scale < 1 leaves the safe zone a maskable icon needs
function drawing(scale, rounded) {
  return (u, v) => {
    const x = (u - 0.5) / scale + 0.5, y = (v - 0.5) / scale + 0.5;
    if (rounded) {
      const r = 0.2, cx = Math.min(Math.max(u, r), 1 - r), cy = Math.min(Math.max(v, r), 1 - r);
      if (Math.hypot(u - cx, v - cy) > r) return none;
    }
    const w = 0.045;
    const hook = Math.abs(Math.hypot(x - 0.5, y - 0.27) - 0.07) < w / 2 && !(x < 0.5 && y > 0.27);
    const neck = distToSegment(x, y, 0.5, 0.34, 0.5, 0.4) < w / 2;
    const left = distToSegment(x, y, 0.5, 0.4, 0.17, 0.62) < w / 2;
    const right = distToSegment(x, y, 0.5, 0.4, 0.83, 0.62) < w / 2;
    const bar = distToSegment(x, y, 0.17, 0.62, 0.83, 0.62) < w / 2;
    if (hook || neck || left || right || bar) return cream;
    if (Math.abs(Math.hypot(x - 0.5, y - 0.74) - 0.12) < 0.035) return accent;
    return ink;
  };
}

writeFileSync('public/icons/icon-192.png', png(192, drawing(1, true)));
writeFileSync('public/icons/icon-512.png', png(512, drawing(1, true)));
writeFileSync('public/icons/maskable-512.png', png(512, drawing(0.78, false)));
console.log('icons written to public/icons');
