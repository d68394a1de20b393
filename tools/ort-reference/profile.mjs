// Per-node times of ONNX Runtime (CPU) on one model: median µs per node over the runs, from ORT's own profiler.
// usage: node tools/ort-reference/profile.mjs MODEL.onnx [threads=1] [runs=50]
import ort from 'onnxruntime-node';
import fs from 'node:fs';

const [model, threadsArg = '1', runsArg = '50'] = process.argv.slice(2);
if (!model) {
  console.error('usage: node tools/ort-reference/profile.mjs MODEL.onnx [threads] [runs]');
  process.exit(2);
}
const threads = Number(threadsArg), runs = Number(runsArg);
const session = await ort.InferenceSession.create(model, {
  executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
  enableProfiling: true, profileFilePrefix: `/tmp/ort-profile-${process.pid}`,
});
const input = session.inputNames[0];
const meta = session.inputMetadata?.[0];
const dims = (meta?.shape ?? [1, 3, 224, 224]).map(d => (typeof d === 'number' && d > 0 ? d : 1));
const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i) * 0.5);
const feeds = { [input]: new ort.Tensor('float32', data, dims) };
for (let i = 0; i < 5; i++) await session.run(feeds);
const wall = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
session.endProfiling();
const prefix = `ort-profile-${process.pid}`;
const file = '/tmp/' + fs.readdirSync('/tmp').find(f => f.startsWith(prefix));
const events = JSON.parse(fs.readFileSync(file, 'utf8'));
fs.unlinkSync(file);
const byNode = new Map();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const name = e.name.replace(/_kernel_time$/, '');
  if (!byNode.has(name)) byNode.set(name, { op: e.args?.op_name ?? '', t: [] });
  byNode.get(name).t.push(e.dur);
}
const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
let sum = 0;
for (const [name, { op, t }] of byNode) {
  const m = median(t.slice(-runs));
  sum += m;
  console.log(`${name.padEnd(40)} ${op.padEnd(20)} ${(m / 1000).toFixed(3)} ms`);
}
console.log(`sum of node medians ${(sum / 1000).toFixed(3)} ms; wall median ${median(wall).toFixed(3)} ms (profiling on)`);
