#!/usr/bin/env node
// The peer's side of the attribute comparison: @vladmandic/face-api 1.7.15 on TensorFlow.js wasm, run as a JS user
// runs it (SSD MobileNet v1 at minConfidence 0.5, 68 landmarks, then its expression and age/gender nets), on every
// image a labels.csv names. One JSON line per image: the largest face's expression probabilities, age and gender.
// Copied beside the peer runner (out/peer/faceapi-node, whose node_modules it uses) by build.ps1 -Task Attributes.
// With --whole-image, a photo in which SSD finds no face is given to the expression and age/gender nets whole, as a
// user holding face crops would call them (the line says "whole": true).
//   node faceapi-attributes.mjs --labels labels.csv --out results.jsonl [--min-confidence 0.5] [--limit N] [--whole-image]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback; };
const labels = opt('--labels');
const out = opt('--out');
const minConfidence = parseFloat(opt('--min-confidence', '0.5'));
const limit = parseInt(opt('--limit', '0'), 10);
const wholeImage = args.includes('--whole-image');
if (!labels || !out) { console.error('usage: node faceapi-attributes.mjs --labels labels.csv --out results.jsonl [--min-confidence 0.5] [--limit N]'); process.exit(2); }

const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const jpeg = require('jpeg-js');
let PNG = null;
try { PNG = require('pngjs').PNG; } catch { /* PNG inputs need pngjs; JPEG needs nothing more */ }
wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
if (!(await tf.setBackend('wasm'))) throw new Error('could not initialise the wasm backend');
await tf.ready();
const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceExpressionNet.loadFromDisk(modelDir);
await faceapi.nets.ageGenderNet.loadFromDisk(modelDir);

// labels.csv: path is the first column; quoted fields are not needed by our sets.
const rows = fs.readFileSync(labels, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim() !== '').map((l) => l.split(',')[0]);
const files = limit > 0 ? rows.slice(0, limit) : rows;
const stream = fs.createWriteStream(out);
const options = new faceapi.SsdMobilenetv1Options({ minConfidence });
const t0 = performance.now();
let inferMs = 0;
for (const file of files) {
  let line;
  try {
    const buf = fs.readFileSync(file);
    let width, height, rgba;
    if (/\.png$/i.test(file)) {
      if (!PNG) throw new Error('pngjs is not installed');
      const img = PNG.sync.read(buf); width = img.width; height = img.height; rgba = img.data;
    } else {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
      width = img.width; height = img.height; rgba = img.data;
    }
    const rgb = new Int32Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4) { rgb[j++] = rgba[i]; rgb[j++] = rgba[i + 1]; rgb[j++] = rgba[i + 2]; }
    const tensor = tf.tensor3d(rgb, [height, width, 3], 'int32');
    const ts = performance.now();
    const results = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceExpressions().withAgeAndGender();
    inferMs += performance.now() - ts;
    tensor.dispose();
    // The largest face: the labelled one in single-face sets.
    let best = null;
    for (const r of results) if (!best || r.detection.box.area > best.detection.box.area) best = r;
    if (!best && wholeImage) {
      const crop = tf.tensor3d(rgb, [height, width, 3], 'int32');
      const ts2 = performance.now();
      const expressions = await faceapi.nets.faceExpressionNet.predictExpressions(crop);
      const ag = await faceapi.nets.ageGenderNet.predictAgeAndGender(crop);
      inferMs += performance.now() - ts2;
      crop.dispose();
      line = { path: file, faces: 0, whole: true, expressions, age: ag.age, gender: ag.gender, genderProbability: ag.genderProbability };
    } else line = best
      ? { path: file, faces: results.length, box: [best.detection.box.x, best.detection.box.y, best.detection.box.width, best.detection.box.height],
          expressions: best.expressions, age: best.age, gender: best.gender, genderProbability: best.genderProbability }
      : { path: file, faces: 0 };
  } catch (e) {
    line = { path: file, faces: 0, error: String(e.message || e) };
  }
  stream.write(JSON.stringify(line) + '\n');
}
stream.end();
const wall = (performance.now() - t0) / 1000;
console.log(`SUMMARY ${JSON.stringify({ images: files.length, wall_s: +wall.toFixed(2), infer_s: +(inferMs / 1000).toFixed(2), images_per_s: +(files.length / wall).toFixed(2), faceapi: faceapi.version, tfjs: tf.version_core, backend: tf.getBackend() })}`);
