// Computes reference outputs of face-api.js' own FaceExpressionNet and AgeGenderNet for deterministic
// synthetic 112x112 RGB images and for 112x112 face crops of face-api's demo/sampleN.jpg (stored as
// lossless PNG next to the JSON), and writes tests/data/faceapi-attributes-reference/reference.json.
// The xunit test FaceApiAttributeConversionTests regenerates the same pixels in C# and checks
// models/faceapi_expression.onnx and models/faceapi_age_gender.onnx against these outputs.
//
// Run once by a developer (not by the tests), from the repo root:
//   cd tools/reference && npm ci && node faceapi-attributes-reference.mjs
//
// Normalisation note: unlike FaceRecognitionNet (whose dlib original divides by 256, see
// dlib-reference.mjs), both nets here were trained by face-api.js itself, and both of its feature
// extractors (FaceFeatureExtractor, TinyXception) compute (pixel - mean) / 255. The ONNX contract is the
// same /255, so face-api gets the exact uint8 pixels, and there is no /255 vs /256 gap to correct.
//
// Each input is a 112x112 tensor, so face-api's toBatchTensor(112, true) neither pads nor resizes it:
// the comparison covers the networks only. The demo crops themselves are made as face-api's
// withFaceExpressions()/withAgeAndGender() make theirs after withFaceLandmarks(): the alignedRect (the
// 68 landmarks' bounding box grown by 20% of its width and height, axis-aligned), floored and clipped
// to the image, sliced, padded to a square with zeros (centred) and resized bilinearly to 112x112
// (tf.image.resizeBilinear, alignCorners false, halfPixelCenters false); then rounded to uint8.
import fs from 'node:fs';
import path from 'node:path';
import { makeImage, fnv1a, writePng, tf, faceapi, testDataDir, loadNets, loadDemoPhoto } from './reference-images.mjs';

const outDir = testDataDir('faceapi-attributes-reference');
const outFile = path.join(outDir, 'reference.json');

const SIZE = 112;
const SEEDS = [1, 2, 3, 4, 5, 6];
// Demo photo and which of its faces (by detection score, best first), picked for different top expressions
// (happy, sad, neutral, disgusted). Every face of demo/sample1-6.jpg is a woman by face-api's own verdict
// (22 faces, P(female) 0.84-0.99), so there is no male face to pick; the confident one-sided gender
// probabilities still expose a swapped class order.
const CROPS = [[1, 0], [2, 0], [3, 0], [2, 2]];

// The rank-th best face of demo/sample<sample>.jpg, cut as face-api's pipeline cuts it (see the top),
// rounded to uint8 HWC RGB; also face-api's own pipeline results for that face, for the report.
async function faceCrop(sample, rank) {
  const image = loadDemoPhoto(sample);
  const faces = await faceapi.detectAllFaces(image, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 }))
    .withFaceLandmarks().withFaceExpressions().withAgeAndGender();
  if (faces.length <= rank) throw new Error(`sample${sample}.jpg has ${faces.length} faces, no rank ${rank}`);
  const face = faces.sort((a, b) => b.detection.score - a.detection.score)[rank];
  const [slice] = await faceapi.extractFaceTensors(image, [face.alignedRect]);
  const netInput = await faceapi.toNetInput(slice);
  const crop = tf.tidy(() => netInput.toBatchTensor(SIZE, true).round().clipByValue(0, 255));
  const px = Uint8Array.from(await crop.data());
  tf.dispose([image, slice, crop]);
  const box = face.alignedRect.box;
  return {
    px,
    box: [box.x, box.y, box.width, box.height].map((v) => Number(v.toFixed(2))),
    pipeline: { expressions: face.expressions, age: face.age, gender: face.gender, genderProbability: face.genderProbability },
  };
}

async function runNets(px) {
  const input = tf.tensor3d(px, [SIZE, SIZE, 3], 'int32');
  const expressions = await faceapi.nets.faceExpressionNet.forward(input);
  const { age, gender } = await faceapi.nets.ageGenderNet.forward(input);
  const result = {
    expressions: Array.from(await expressions.data()),
    age: (await age.data())[0],
    genderMaleFemale: Array.from(await gender.data()),
  };
  tf.dispose([input, expressions, age, gender]);
  return result;
}

async function main() {
  await loadNets(['ssdMobilenetv1', 'faceLandmark68Net', 'faceExpressionNet', 'ageGenderNet']);

  const inputs = SEEDS.map((seed) => ({ name: `synthetic-${seed}`, seed, px: makeImage(seed, SIZE) }));
  for (const [sample, rank] of CROPS) {
    const png = `sample${sample}-face${rank}.png`;
    const { px, box, pipeline } = await faceCrop(sample, rank);
    writePng(path.join(outDir, png), px, SIZE);
    inputs.push({ name: png, png, px, box, pipeline });
  }

  const cases = [];
  for (const { name, seed, png, px, box, pipeline } of inputs) {
    const out = await runNets(px);
    const top = faceapi.FACE_EXPRESSION_LABELS ?? ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'];
    const best = out.expressions.indexOf(Math.max(...out.expressions));
    console.log(`${name}: fnv1a=${fnv1a(px).toString(16)} ${top[best]} ${out.expressions[best].toFixed(3)} age ${out.age.toFixed(2)} male ${out.genderMaleFemale[0].toFixed(3)}`
      + (pipeline ? ` | pipeline (unrounded crop): age ${pipeline.age.toFixed(2)} ${pipeline.gender} ${pipeline.genderProbability.toFixed(3)} box ${box}` : ''));
    cases.push({ name, ...(seed !== undefined ? { seed } : { png, alignedRect: box }), fnv1a: fnv1a(px), ...out });
  }

  const doc = {
    source: `@vladmandic/face-api ${faceapi.version} face_expression_model + age_gender_model, @tensorflow/tfjs ${tf.version.tfjs} backend ${tf.getBackend()}`,
    generator: 'tools/reference/faceapi-attributes-reference.mjs: "seed" cases = makeImage(seed, 112), "png" cases = face crops of face-api demo/sampleN.jpg '
      + '(alignedRect of the N-th best SSD face with 68 landmarks, zero-padded to a centred square, resizeBilinear to 112, rounded); 112x112 RGB uint8, fnv1a over HWC bytes',
    normalisation: 'input[c] = (pixel[c] - mean[c]) / 255, mean RGB = [122.782, 117.001, 104.298], NCHW (both nets, as face-api itself)',
    outputs: 'expressions: softmax over [neutral, happy, sad, angry, fearful, disgusted, surprised]; age: years; '
      + 'genderMaleFemale: face-api softmax in its own order [male, female] (the ONNX gender output is [female, male])',
    cases,
  };
  fs.writeFileSync(outFile, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`wrote ${outFile}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
