#!/usr/bin/env node
// Classifies a batch of already-preprocessed images with ONNX Runtime, for agreement tests: the input is one raw
// little-endian float32 file holding N tensors of the model input's shape back to back (exactly what NativeCnn fed
// its own session), the output one JSON line per tensor: {"index": i, "top": [class, …]} (top 5, best first).
//
//   node classify.mjs --model model.onnx --shape 1,3,224,224 --raw inputs.f32

import fs from 'node:fs';
import ort from 'onnxruntime-node';

function arg(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name}`);
  return process.argv[i + 1];
}

async function main() {
  const shape = arg('--shape').split(',').map(Number);
  const per = shape.reduce((a, b) => a * b, 1);
  const raw = fs.readFileSync(arg('--raw'));
  if (raw.length % (per * 4) !== 0) throw new Error(`raw file holds ${raw.length} bytes, not a multiple of ${per * 4}`);
  const data = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const session = await ort.InferenceSession.create(arg('--model'), { intraOpNumThreads: 1 });
  const out = [];
  for (let i = 0; i < data.length / per; i++) {
    const input = new ort.Tensor('float32', data.slice(i * per, (i + 1) * per), shape);
    const result = await session.run({ [session.inputNames[0]]: input });
    const scores = result[session.outputNames[0]].data;
    const top = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 5);
    out.push(JSON.stringify({ index: i, top }));
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch(e => { console.error(e.message ?? e); process.exit(1); });
