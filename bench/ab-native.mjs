// A/B of two (or more) NativeCnn builds or settings on one model, in small alternating batches.
//
//   node bench/ab-native.mjs --model FILE.onnx [--threads 2] [--batches 40] [--runs 10] \
//        LABEL=PATH/nativecnn[,ENV=VALUE...] LABEL=...
//
// Each variant is a `nativecnn bench MODEL --serve` child; the driver sends each in turn a batch of --runs forward
// passes (the order reversed every other batch) and prints, per variant, the median of its batch medians and the
// ratio to the first variant. On the shared 2-vCPU VM the cost of moving data between the cores changes every few
// seconds (tools/core-to-core); timed back to back in separate processes, two builds can land in different
// periods and differ by 50 % at two threads for that reason alone. Alternating batches of a few milliseconds puts
// both in the same periods.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

const argv = process.argv.slice(2);
const opt = { threads: '2', batches: 40, runs: 10, model: null, variants: [] };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--model') opt.model = argv[++i];
  else if (a === '--threads') opt.threads = argv[++i];
  else if (a === '--batches') opt.batches = Number(argv[++i]);
  else if (a === '--runs') opt.runs = Number(argv[++i]);
  else if (a.includes('=')) {
    const [label, rest] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
    const [exe, ...envs] = rest.split(',');
    opt.variants.push({ label, exe, env: Object.fromEntries(envs.map(e => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])) });
  } else throw new Error(`unknown argument ${a}`);
}
if (!opt.model || opt.variants.length < 2) {
  console.error('usage: node bench/ab-native.mjs --model FILE.onnx [--threads N] [--batches N] [--runs N] A=PATH[,ENV=V...] B=PATH[,ENV=V...]');
  process.exit(2);
}

function start(v) {
  const child = spawn(v.exe, ['bench', opt.model, '--serve', '--threads', opt.threads, '--warmup', '3'],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...v.env } });
  const lines = readline.createInterface({ input: child.stdout });
  const queue = [], waiting = [];
  lines.on('line', l => (waiting.length ? waiting.shift()(l) : queue.push(l)));
  const next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise(r => waiting.push(r)));
  return { v, child, next, times: [] };
}

const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const procs = opt.variants.map(start);
for (const p of procs) JSON.parse(await p.next());
for (let b = 0; b < opt.batches; b++) {
  for (const p of b % 2 === 0 ? procs : [...procs].reverse()) {
    p.child.stdin.write(`${opt.runs}\n`);
    p.times.push(median(JSON.parse(await p.next()).ms));
  }
}
for (const p of procs) p.child.stdin.end();
const base = median(procs[0].times);
for (const p of procs) {
  const m = median(p.times);
  console.log(`${p.v.label.padEnd(16)} ${m.toFixed(3)} ms (median of ${p.times.length} batch medians; min ${Math.min(...p.times).toFixed(3)})  ratio ${(m / base).toFixed(3)}`);
}
