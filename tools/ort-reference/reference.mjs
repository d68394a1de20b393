#!/usr/bin/env node
// Runs a model with ONNX Runtime (onnxruntime-node) and writes its outputs as serialized TensorProto files,
// the ONNX conformance layout NativeCnn's tests read. With --all, every node output of the main graph is
// exposed as an extra graph output first (a small edit of the ModelProto at the protobuf wire level), so that
// every intermediate value can be compared with NativeCnn's activation store.
//
//   node reference.mjs --model model.onnx --out DIR [--all] input_0.pb [input_1.pb ...]
//   node reference.mjs --model model.onnx --out DIR [--all] --data-set test_data_set_0
//
// Writes DIR/output_N.pb (N in the session's output order; each TensorProto carries the value name) and
// DIR/outputs.json ([{ index, name, file, type, dims }]). Inputs are matched to model inputs by the name in
// the .pb file, else by position.

import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

import { Reader, lenField, varintField, exposeAllValues } from './onnx-wire.mjs';

export { exposeAllValues };

// ONNX TensorProto.DataType <-> onnxruntime tensor type and typed-array constructor.
const TYPES = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array], 4: ['uint16', Uint16Array],
  5: ['int16', Int16Array], 6: ['int32', Int32Array], 7: ['int64', BigInt64Array], 9: ['bool', Uint8Array],
  10: ['float16', Uint16Array], 11: ['float64', Float64Array], 12: ['uint32', Uint32Array], 13: ['uint64', BigUint64Array],
};
const ONNX_OF = Object.fromEntries(Object.entries(TYPES).map(([k, [t]]) => [t, Number(k)]));

function readPacked(r, wire, read, into) {
  if (wire === 2) { const sub = new Reader(r.bytes()); while (!sub.done) into.push(read(sub)); } else into.push(read(r));
}

export function decodeTensor(buf) {
  const r = new Reader(buf);
  const t = { dims: [], dataType: 0, name: '', raw: null, floats: [], ints32: [], ints64: [], doubles: [], uints64: [], external: false };
  while (!r.done) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1: readPacked(r, wire, s => Number(s.varint()), t.dims); break;
      case 2: t.dataType = Number(r.varint()); break;
      case 4: readPacked(r, wire, s => { const v = s.buf.readFloatLE(s.pos); s.pos += 4; return v; }, t.floats); break;
      case 5: readPacked(r, wire, s => Number(BigInt.asIntN(32, s.varint())), t.ints32); break;
      case 7: readPacked(r, wire, s => BigInt.asIntN(64, s.varint()), t.ints64); break;
      case 8: t.name = r.bytes().toString('utf8'); break;
      case 9: t.raw = Buffer.from(r.bytes()); break;
      case 10: readPacked(r, wire, s => { const v = s.buf.readDoubleLE(s.pos); s.pos += 8; return v; }, t.doubles); break;
      case 11: readPacked(r, wire, s => BigInt.asUintN(64, s.varint()), t.uints64); break;
      case 14: t.external = Number(r.varint()) === 1; break;
      default: r.skip(wire);
    }
  }
  if (t.external) throw new Error(`tensor '${t.name}': external data is not supported by this tool`);
  const entry = TYPES[t.dataType];
  if (!entry) throw new Error(`tensor '${t.name}': element type ${t.dataType} is not supported by this tool`);
  const [type, Ctor] = entry;
  const count = t.dims.reduce((a, b) => a * b, 1);
  let data;
  if (t.raw) {
    if (t.raw.length !== count * Ctor.BYTES_PER_ELEMENT) throw new Error(`tensor '${t.name}': raw_data size disagrees with dims`);
    data = new Ctor(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.length));
  } else {
    const src = { 1: t.floats, 11: t.doubles, 7: t.ints64, 13: t.uints64, 12: t.uints64 }[t.dataType] ?? t.ints32;
    if (src.length !== count) throw new Error(`tensor '${t.name}': ${src.length} values for ${count} elements`);
    data = t.dataType === 12 ? Uint32Array.from(src, Number) : Ctor.from(src);
  }
  if (t.dataType === 9) data = Uint8Array.from(data, v => (v ? 1 : 0));
  return { name: t.name, tensor: new ort.Tensor(type, data, t.dims) };
}

export function encodeTensor(name, tensor) {
  const dataType = ONNX_OF[tensor.type];
  if (!dataType) throw new Error(`output '${name}': ORT type ${tensor.type} cannot be written`);
  const d = tensor.data;
  const raw = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.concat([
    ...tensor.dims.map(x => varintField(1, x)),
    varintField(2, dataType),
    lenField(8, Buffer.from(name, 'utf8')),
    lenField(9, raw),
  ]);
}

// ---- command line ----

function parseArgs(argv) {
  const a = { model: null, out: null, all: false, dataSet: null, inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--model') a.model = argv[++i];
    else if (s === '--out') a.out = argv[++i];
    else if (s === '--all') a.all = true;
    else if (s === '--data-set') a.dataSet = argv[++i];
    else if (s === '--help' || s === '-h') a.help = true;
    else a.inputs.push(s);
  }
  return a;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help || !args.model || !args.out) {
    console.error('usage: node reference.mjs --model model.onnx --out DIR [--all] (input_0.pb ... | --data-set DIR)');
    process.exit(args.help ? 0 : 2);
  }
  if (args.dataSet) {
    args.inputs = fs.readdirSync(args.dataSet).filter(f => /^input_\d+\.pb$/.test(f))
      .sort((x, y) => parseInt(x.slice(6), 10) - parseInt(y.slice(6), 10)).map(f => path.join(args.dataSet, f));
  }

  let modelBytes = fs.readFileSync(args.model);
  let exposed = [];
  if (args.all) ({ bytes: modelBytes, exposed } = exposeAllValues(modelBytes));
  const session = await ort.InferenceSession.create(modelBytes, { graphOptimizationLevel: args.all ? 'disabled' : 'all' });

  const feeds = {};
  args.inputs.forEach((file, i) => {
    const { name, tensor } = decodeTensor(fs.readFileSync(file));
    const bound = session.inputNames.includes(name) ? name : session.inputNames[i];
    if (!bound) throw new Error(`${file} ('${name}') matches no model input (${session.inputNames.join(', ')})`);
    feeds[bound] = tensor;
  });

  const results = await session.run(feeds);
  fs.mkdirSync(args.out, { recursive: true });
  const index = session.outputNames.map((name, i) => {
    const t = results[name];
    const file = `output_${i}.pb`;
    fs.writeFileSync(path.join(args.out, file), encodeTensor(name, t));
    return { index: i, name, file, type: t.type, dims: t.dims, intermediate: exposed.includes(name) };
  });
  fs.writeFileSync(path.join(args.out, 'outputs.json'), JSON.stringify(index, null, 2));
  console.log(`${index.length} outputs (${exposed.length} intermediate) written to ${args.out}`);
}

import { fileURLToPath } from 'node:url';
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(e => { console.error(e.message ?? e); process.exit(1); });
}
