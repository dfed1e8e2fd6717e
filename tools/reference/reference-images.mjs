// What the reference generators (dlib-reference.mjs, faceapi-attributes-reference.mjs) share: face-api and
// tfjs from this folder's node_modules (cpu backend), face-api's demo photos and weights, deterministic
// synthetic RGB test images (integer-only math so C# reproduces them bit-exactly: keep in sync with
// ReferenceImages in tests/FaceNet.ModelConverter.Tests/ReferenceImages.cs), their FNV-1a and lossless PNGs.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js');

export const tf = require('@tensorflow/tfjs');
export const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const here = path.dirname(fileURLToPath(import.meta.url));
const faceApiDir = path.join(here, 'node_modules', '@vladmandic', 'face-api');
export const repoRoot = path.resolve(here, '..', '..');

// tests/data/<name>, created if missing.
export function testDataDir(name) {
  const dir = path.join(repoRoot, 'tests', 'data', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// tfjs cpu backend, and face-api's nets (names as in faceapi.nets) loaded from its model/ folder.
export async function loadNets(names) {
  await tf.setBackend('cpu');
  await tf.ready();
  for (const name of names) await faceapi.nets[name].loadFromDisk(path.join(faceApiDir, 'model'));
}

// face-api's demo/sample<n>.jpg as an int32 [height, width, 3] RGB tensor.
export function loadDemoPhoto(sample) {
  const img = jpeg.decode(fs.readFileSync(path.join(faceApiDir, 'demo', `sample${sample}.jpg`)), { useTArray: true, formatAsRGBA: false });
  return tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
}

function xorshift32(state) {
  let s = state >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

// size x size HWC RGB uint8: a linear colour gradient, a few flat-coloured discs and a small hash noise.
export function makeImage(seed, size) {
  const next = xorshift32(0x9E3779B9 ^ Math.imul(seed, 0x85EBCA6B));
  const base = []; const gx = []; const gy = [];
  for (let c = 0; c < 3; c++) {
    base.push(next() % 256);
    gx.push((next() % 129) - 64);
    gy.push((next() % 129) - 64);
  }
  const circles = [];
  const count = 3 + (next() % 5);
  for (let k = 0; k < count; k++) {
    circles.push({ cx: next() % size, cy: next() % size, r: 8 + (next() % 40), rgb: [next() % 256, next() % 256, next() % 256] });
  }
  const px = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let rgb = [0, 1, 2].map((c) => base[c] + ((gx[c] * x + gy[c] * y) >> 6));
      for (const ci of circles) {
        const dx = x - ci.cx; const dy = y - ci.cy;
        if (dx * dx + dy * dy <= ci.r * ci.r) rgb = ci.rgb.slice();
      }
      for (let c = 0; c < 3; c++) {
        let h = Math.imul(x + 1, 0x27D4EB2D) ^ Math.imul(y + 1, 0x165667B1) ^ Math.imul(c + seed, 0x61C88647);
        h = (h ^ (h >>> 15)) >>> 0;
        const noise = (h % 17) - 8;
        px[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, rgb[c] + noise));
      }
    }
  }
  return px;
}

// FNV-1a 32 over the pixel bytes, so the C# side can prove it generated identical inputs.
export function fnv1a(bytes) {
  let h = 0x811C9DC5;
  for (const b of bytes) { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; }
  return h >>> 0;
}

// size x size HWC RGB uint8 -> 8-bit RGB PNG (lossless, so the tests read back the exact bytes).
export function writePng(file, px, size) {
  const png = new PNG({ width: size, height: size, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(px);
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}
