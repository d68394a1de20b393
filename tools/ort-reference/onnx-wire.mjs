// The protobuf wire-format pieces NativeCnn's ONNX Runtime tools share (no onnxruntime import, so any tool can
// load it whatever node_modules it uses): a reader, field encoders, and the ModelProto edit that exposes every
// node output of the main graph as an extra graph output.
//   used by tools/ort-reference/reference.mjs (reference data) and bench/compare-ort.mjs (timing).

// ---- protobuf wire format (just what TensorProto / ModelProto need) ----

export class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  get done() { return this.pos >= this.buf.length; }
  varint() {
    let result = 0n, shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  }
  tag() { const t = Number(this.varint()); return { field: t >>> 3, wire: t & 7 }; }
  bytes() {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new Error('truncated length-delimited field');
    const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b;
  }
  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

export function encodeVarint(v) {
  let x = BigInt.asUintN(64, BigInt(v));
  const out = [];
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x !== 0n) b |= 0x80; out.push(b); } while (x !== 0n);
  return Buffer.from(out);
}
export const keyOf = (field, wire) => encodeVarint((field << 3) | wire);
export const lenField = (field, payload) => Buffer.concat([keyOf(field, 2), encodeVarint(payload.length), payload]);
export const varintField = (field, v) => Buffer.concat([keyOf(field, 0), encodeVarint(v)]);

// Appends `names` as graph outputs (ValueInfoProto with only a name; ORT infers the type) to a ModelProto.
export function exposeAllValues(modelBytes) {
  const top = new Reader(modelBytes);
  const parts = [];
  let exposed = [];
  while (!top.done) {
    const start = top.pos;
    const { field, wire } = top.tag();
    if (field === 7 && wire === 2) {
      const graph = top.bytes();
      const { bytes, names } = addGraphOutputs(graph);
      exposed = names;
      parts.push(lenField(7, bytes));
    } else {
      top.skip(wire);
      parts.push(modelBytes.subarray(start, top.pos));
    }
  }
  return { bytes: Buffer.concat(parts), exposed };
}

function addGraphOutputs(graph) {
  const r = new Reader(graph);
  const existing = new Set();
  const nodeOutputs = [];
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) {
      const node = new Reader(r.bytes());
      while (!node.done) {
        const t = node.tag();
        if (t.field === 2 && t.wire === 2) { const n = node.bytes().toString('utf8'); if (n) nodeOutputs.push(n); } else node.skip(t.wire);
      }
    } else if (field === 12 && wire === 2) {
      const vi = new Reader(r.bytes());
      while (!vi.done) { const t = vi.tag(); if (t.field === 1 && t.wire === 2) existing.add(vi.bytes().toString('utf8')); else vi.skip(t.wire); }
    } else {
      r.skip(wire);
    }
  }
  const names = nodeOutputs.filter(n => !existing.has(n));
  const extra = names.map(n => lenField(12, lenField(1, Buffer.from(n, 'utf8'))));
  return { bytes: Buffer.concat([graph, ...extra]), names };
}
