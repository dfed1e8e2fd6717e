// Computes reference Dlib face descriptors with face-api.js (the tfjs port of dlib's
// face-recognition ResNet) for deterministic synthetic 150x150 RGB images and for face crops of
// face-api's demo/sample1-6.jpg (stored as lossless PNG next to the JSON), and writes
// tests/data/dlib-reference/dlib-reference.json. The xunit test DlibConversionTests regenerates
// the same pixels in C# and checks models/dlib_resnet.onnx against these descriptors.
//
// Run once by a developer (not by the tests), from the repo root:
//   cd tools/reference && npm ci && node dlib-reference.mjs
//
// Normalisation note: face-api divides by 255 after mean subtraction, whereas dlib's own
// input layer (and our ONNX contract) divides by 256. To get references for the ONNX contract
// we feed face-api float pixels p' = mean + (p - mean) * 255/256, so that face-api's
// (p' - mean)/255 == (p - mean)/256. The gap to face-api's native /255 output is printed.
import fs from 'node:fs';
import path from 'node:path';
import { makeImage, fnv1a, writePng, tf, faceapi, testDataDir, loadNets, loadDemoPhoto } from './reference-images.mjs';

const outDir = testDataDir('dlib-reference');
const outFile = path.join(outDir, 'dlib-reference.json');

const SIZE = 150;
const MEAN = [122.782, 117.001, 104.298]; // R, G, B (face-api FaceRecognitionNet.ts)
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const SAMPLES = [1, 2, 3, 4, 5, 6];

// Highest-scoring face of a demo photo, cropped to a square 1.2x its box, resized to 150x150
// (tfjs bilinear) and rounded to uint8 HWC RGB. Only the PNG matters to the tests.
async function faceCrop(sample) {
  const image = loadDemoPhoto(sample);
  const [height, width] = image.shape;
  const detections = await faceapi.detectAllFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 }));
  if (detections.length === 0) throw new Error(`no face in sample${sample}.jpg`);
  const best = detections.reduce((a, b) => (b.score > a.score ? b : a)).box;
  const side = 1.2 * Math.max(best.width, best.height);
  const cx = best.x + best.width / 2; const cy = best.y + best.height / 2;
  const box = [(cy - side / 2) / (height - 1), (cx - side / 2) / (width - 1), (cy + side / 2) / (height - 1), (cx + side / 2) / (width - 1)];
  const crop = tf.tidy(() => tf.image.cropAndResize(tf.expandDims(tf.cast(image, 'float32')), [box], [0], [SIZE, SIZE]).round().clipByValue(0, 255));
  const px = Uint8Array.from(await crop.data());
  tf.dispose([image, crop]);
  return px;
}

async function main() {
  await loadNets(['faceRecognitionNet', 'ssdMobilenetv1']);

  const inputs = SEEDS.map((seed) => ({ name: `synthetic-${seed}`, seed, px: makeImage(seed, SIZE) }));
  for (const sample of SAMPLES) {
    const png = `sample${sample}-face.png`;
    const px = await faceCrop(sample);
    writePng(path.join(outDir, png), px, SIZE);
    inputs.push({ name: png, png, px });
  }

  const cases = [];
  let maxNativeGap = 0;
  for (const { name, seed, png, px } of inputs) {
    const scaled = new Float32Array(px.length);
    for (let i = 0; i < px.length; i++) { const m = MEAN[i % 3]; scaled[i] = m + (px[i] - m) * (255 / 256); }
    const dlibInput = tf.tensor3d(scaled, [SIZE, SIZE, 3], 'float32');
    const nativeInput = tf.tensor3d(px, [SIZE, SIZE, 3], 'int32');
    const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(dlibInput);
    const native = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(nativeInput);
    tf.dispose([dlibInput, nativeInput]);
    const gap = Math.max(...descriptor.map((v, i) => Math.abs(v - native[i])));
    maxNativeGap = Math.max(maxNativeGap, gap);
    const norm = Math.sqrt(descriptor.reduce((s, v) => s + v * v, 0));
    console.log(`${name}: fnv1a=${fnv1a(px).toString(16)} |d|=${norm.toFixed(4)} max|d(/256)-d(/255)|=${gap.toExponential(3)}`);
    cases.push({ name, ...(seed !== undefined ? { seed } : { png }), fnv1a: fnv1a(px), descriptor: Array.from(descriptor) });
  }
  console.log(`max gap between /256 (dlib, ONNX contract) and face-api native /255 descriptors: ${maxNativeGap.toExponential(3)}`);

  const doc = {
    source: `@vladmandic/face-api ${faceapi.version.faceapi ?? faceapi.version} face_recognition_model, @tensorflow/tfjs ${tf.version.tfjs} backend ${tf.getBackend()}`,
    generator: 'tools/reference/dlib-reference.mjs: "seed" cases = makeImage(seed), "png" cases = face crops of face-api demo/sampleN.jpg; 150x150 RGB uint8, fnv1a over HWC bytes',
    normalisation: 'input[c] = (pixel[c] - mean[c]) / 256, mean RGB = [122.782, 117.001, 104.298], NCHW',
    output: 'raw 128-d descriptor, not L2-normalised',
    cases,
  };
  fs.writeFileSync(outFile, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`wrote ${outFile}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
