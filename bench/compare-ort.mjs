#!/usr/bin/env node
// Side-by-side forward-pass timing of NativeCnn and ONNX Runtime (onnxruntime-node) on the same ONNX files.
// Driven by bench/compare-ort.sh; see bench/README.md.
//
//   node bench/compare-ort.mjs --nativecnn PATH/nativecnn --model NAME=FILE.onnx ... [--threads 1,2] [--rounds 3]
//                              [--runs N] [--budget SECONDS]
//
// For each model and thread count, three engines are kept loaded at once and run alternately, round after round:
//   ORT logits   — onnxruntime-node, graph optimisations on, only the graph outputs fetched;
//   ORT all      — the same model with every node output exposed as an extra graph output (the ModelProto edit of
//                  tools/ort-reference/onnx-wire.mjs), all of them fetched, since NativeCnn always keeps every
//                  activation;
//   NativeCnn    — `nativecnn bench MODEL --serve`, a child process answering "N" with the times of N forward passes.
// ORT runs with intraOpNumThreads = T, interOpNumThreads = 1, sequential execution; NativeCnn with --threads T.
// Between engines the driver pauses SETTLE_MS (50 ms) so that no engine's spinning worker threads steal the
// next engine's second core. Each side gets a seeded random input in [-1, 1) of the model's input shape. Times: ORT = wall time around
// session.run (includes copying fetched outputs into JS arrays); NativeCnn = its own wall time of the plan's steps.
// Prints per model × threads two rows (ORT logits, ORT all): median ms of each side, the ratio NativeCnn / ORT and
// GFLOP/s (2 × MACs, MACs as NativeCnn's planner counts them); then geomean_ratio_logits=… and, last,
// geomean_ratio=… (NativeCnn / ORT-all at 2 threads, geometric mean over the models).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import ort from 'onnxruntime-node';
import { exposeAllValues } from '../tools/ort-reference/onnx-wire.mjs';

function parseArgs(argv) {
  const a = { nativecnn: null, models: [], threads: [1, 2], rounds: 3, runs: null, budget: 20 };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--nativecnn') a.nativecnn = argv[++i];
    else if (s === '--model') { const [name, file] = argv[++i].split('='); a.models.push({ name, file }); }
    else if (s === '--threads') a.threads = argv[++i].split(',').map(Number);
    else if (s === '--rounds') a.rounds = Number(argv[++i]);
    else if (s === '--runs') a.runs = Number(argv[++i]);
    else if (s === '--budget') a.budget = Number(argv[++i]);
    else throw new Error(`unknown argument ${s}`);
  }
  if (!a.nativecnn || a.models.length === 0) throw new Error('usage: compare-ort.mjs --nativecnn PATH --model NAME=FILE ... [--threads 1,2] [--rounds R] [--runs N] [--budget S]');
  return a;
}

const median = xs => { const a = [...xs].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
const log = s => process.stderr.write(`compare-ort: ${s}\n`);

/** Seeded random input in [-1, 1) (xorshift32), so every run of the script feeds the same values. */
function randomInput(dims, seed) {
  const n = dims.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    data[i] = (x / 4294967296) * 2 - 1;
  }
  return new ort.Tensor('float32', data, dims);
}

/** A `nativecnn bench --serve` child: ready() gives its header, run(n) the wall times of n forward passes. */
function startNative(exe, model, threads) {
  const child = spawn(exe, ['bench', model, '--serve', '--threads', String(threads), '--warmup', '1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  const queued = [];
  let closed = false;
  lines.on('line', l => { const w = waiting.shift(); if (w) w.resolve(l); else queued.push(l); });
  child.on('exit', code => { closed = true; for (const w of waiting.splice(0)) w.reject(new Error(`nativecnn exited with code ${code}`)); });
  const next = () => queued.length ? Promise.resolve(queued.shift())
    : closed ? Promise.reject(new Error('nativecnn has exited')) : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  return {
    ready: async () => JSON.parse(await next()),
    run: async n => { child.stdin.write(`${n}\n`); return JSON.parse(await next()).ms; },
    stop: () => new Promise(resolve => { child.on('exit', resolve); child.stdin.end(); }),
  };
}

async function timeOrt(session, feeds, n) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  return ms;
}

// A pause between engines: ORT's intra-op threads spin for a while after a run (and NativeCnn's helpers briefly),
// which would take the second core from whichever engine runs next. SETTLE_MS overrides (default 50 ms).
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 50);
const settle = () => new Promise(resolve => setTimeout(resolve, SETTLE_MS));

async function compare(args, model, threads) {
  const native = startNative(args.nativecnn, model.file, threads);
  const header = await native.ready();
  if (header.inputs.length !== 1 || header.inputs[0].type !== 'Float32') throw new Error(`${model.name}: one float32 input expected`);
  const { name: inputName, shape } = header.inputs[0];

  const options = { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' };
  const bytes = fs.readFileSync(model.file);
  const logits = await ort.InferenceSession.create(bytes, options);
  const { bytes: allBytes, exposed } = exposeAllValues(bytes);
  const all = await ort.InferenceSession.create(allBytes, options);
  const feeds = { [inputName]: randomInput(shape, 12345) };

  // One untimed run each, then one timed run each to size the rounds.
  await timeOrt(logits, feeds, 1); await timeOrt(all, feeds, 1);
  const probe = [(await timeOrt(logits, feeds, 1))[0], (await timeOrt(all, feeds, 1))[0], (await native.run(1))[0]];
  const perRound = args.runs ? Math.max(1, Math.ceil(args.runs / args.rounds))
    : Math.max(1, Math.min(10, Math.floor(args.budget * 1000 / (args.rounds * probe.reduce((a, b) => a + b, 0)))));
  log(`${model.name} threads=${threads}: probe ORT ${probe[0].toFixed(1)} ms, ORT-all ${probe[1].toFixed(1)} ms, NativeCnn ${probe[2].toFixed(1)} ms; ${args.rounds} rounds × ${perRound} runs`);

  const t = { ortLogits: [], ortAll: [], native: [] };
  for (let r = 0; r < args.rounds; r++) {
    t.ortLogits.push(...await timeOrt(logits, feeds, perRound));
    await settle();
    t.ortAll.push(...await timeOrt(all, feeds, perRound));
    await settle();
    t.native.push(...await native.run(perRound));
    await settle();
  }

  await native.stop();
  await logits.release(); await all.release();
  return { model: model.name, threads, macs: header.macs, exposed: exposed.length, runs: t.native.length,
    native: median(t.native), ortLogits: median(t.ortLogits), ortAll: median(t.ortAll) };
}

const pad = (s, w, right = true) => (right ? String(s).padStart(w) : String(s).padEnd(w));
const gflops = (macs, ms) => (2 * macs / (ms * 1e6)).toFixed(2);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const rows = [];
  for (const m of args.models) {
    for (const th of args.threads) rows.push(await compare(args, m, th));
  }

  const cols = [['model', 14, false], ['thr', 3], ['ORT fetches', 18, false], ['runs', 4], ['GMACs', 6],
    ['NativeCnn ms', 12], ['ORT ms', 9], ['ratio', 7], ['NativeCnn GFLOP/s', 17], ['ORT GFLOP/s', 11]];
  console.log(cols.map(([h, w, r]) => pad(h, w, r !== false)).join('  '));
  console.log(cols.map(([, w]) => '-'.repeat(w)).join('  '));
  for (const r of rows) {
    for (const [label, ort] of [['logits', r.ortLogits], [`all (${r.exposed} values)`, r.ortAll]]) {
      const cells = [r.model, r.threads, label, r.runs, (r.macs / 1e9).toFixed(3), r.native.toFixed(2), ort.toFixed(2),
        (r.native / ort).toFixed(2), gflops(r.macs, r.native), gflops(r.macs, ort)];
      console.log(cells.map((c, i) => pad(c, cols[i][1], cols[i][2] !== false)).join('  '));
    }
  }

  const at2 = rows.filter(r => r.threads === 2);
  const geo = xs => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
  if (at2.length === 0) throw new Error('no 2-thread rows: the geometric means are over 2 threads');
  console.log(`geomean_ratio_logits=${geo(at2.map(r => r.native / r.ortLogits)).toFixed(3)}`);
  console.log(`geomean_ratio=${geo(at2.map(r => r.native / r.ortAll)).toFixed(3)}`);
}

main().catch(e => { console.error(`compare-ort: ${e.message ?? e}`); process.exit(1); });
