/**
 * A kerchunk v1 reference set under construction, kept as what the indexer knows — metadata
 * documents plus, per sample plane, the TIFF's chunk tables — rather than as 100k+ little
 * objects. It becomes either the `References` object (`toReferences`) or the JSON text
 * (`toJsonBytes` / `toJson`), both in insertion order; the text equals
 * `JSON.stringify(toReferences())` byte for byte.
 *
 * Exports: `ReferenceBuilder`, `ChunkGrid`.
 *
 * Why: a 100k-tile pyramid as an object costs 100k key strings, 100k arrays and boxed offsets
 * beyond 2³¹ (then JSON.stringify walks them all again): ~0.4 s and most of the GC of indexing.
 * Writing the text straight from the tables as ASCII bytes takes a fifth of that, and the CLI,
 * `share` and the plugin's download only ever need the text.
 */
import type { References } from './types.js';

/**
 * The chunks of one sample plane: key `prefix + y + "." + x + suffix` for chunk (y, x), bytes at
 * `offsets[first + y * across + x]`, `byteCounts[…]`; an offset or byte count of 0 (a sparse
 * tile) gets no key.
 */
export interface ChunkGrid {
  prefix: string;
  suffix: string;
  offsets: ArrayLike<number>;
  byteCounts: ArrayLike<number>;
  first: number;
  across: number;
  down: number;
}

type Entry =
  | { kind: 'value'; key: string; value: string | [string] | [string, number, number] }
  | { kind: 'grid'; grid: ChunkGrid };

const encoder = new TextEncoder();
const TEMPLATE_REF = encoder.encode('["{{u}}",');

/** Growable ASCII/UTF-8 byte buffer with the few writes the JSON needs. */
class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(1 << 16, capacity));
  }

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  text(s: string): void {
    this.bytes(encoder.encode(s));
  }

  /** A non-negative integer below 2^53 in decimal (the caller reserved ≥ 16 bytes). */
  uint(n: number): void {
    // digits written backwards in place: no scratch copy; Smi arithmetic where it fits
    // (offsets of big files are doubles)
    let len = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
    const buf = this.buf;
    let p = this.pos + len;
    this.pos = p;
    if (n < 0x40000000) {
      let v = n | 0;
      do {
        const q = (v / 10) | 0;
        buf[--p] = 48 + v - q * 10;
        v = q;
      } while (v > 0);
    } else {
      let v = n;
      do {
        const q = Math.floor(v / 10);
        buf[--p] = 48 + (v - q * 10);
        v = q;
      } while (v > 0);
    }
  }
}

/** JSON for one key (keys are ours: ASCII, but escaped like JSON.stringify all the same). */
const keyBytes = (key: string) => encoder.encode(`,${JSON.stringify(key)}:`);

/** Bytes a grid's refs take at most (sizes the buffer once: regrowing 100 MB costs). */
function gridBound(g: ChunkGrid): number {
  return g.across * g.down * (JSON.stringify(g.prefix).length + JSON.stringify(g.suffix).length + TEMPLATE_REF.length + 72);
}

function writeGrid(w: ByteWriter, g: ChunkGrid): void {
  // `,"<prefix>` once; then per chunk: y "." x suffix `":` and the range
  const quoted = JSON.stringify(g.prefix);
  const head = encoder.encode(`,${quoted.slice(0, -1)}`);
  const tail = encoder.encode(`${JSON.stringify(g.suffix).slice(1)}:`); // suffix + closing quote + colon
  const { offsets, byteCounts, first, across, down } = g;
  // per chunk: head + 2 numbers ≤ 16 digits each + y/x ≤ 16 each + fixed parts
  const perChunk = head.length + tail.length + TEMPLATE_REF.length + 72;
  for (let y = 0; y < down; y++) {
    w.reserve(across * perChunk);
    const base = first + y * across;
    for (let x = 0; x < across; x++) {
      const off = offsets[base + x];
      const len = byteCounts[base + x];
      if (off === 0 || len === 0) continue;
      w.buf.set(head, w.pos);
      w.pos += head.length;
      w.uint(y);
      w.buf[w.pos++] = 46; // .
      w.uint(x);
      w.buf.set(tail, w.pos);
      w.pos += tail.length;
      w.buf.set(TEMPLATE_REF, w.pos);
      w.pos += TEMPLATE_REF.length;
      w.uint(off);
      w.buf[w.pos++] = 44; // ,
      w.uint(len);
      w.buf[w.pos++] = 93; // ]
    }
  }
}

/** The object form of a grid (the hot loop of `toReferences`: row prefix built once per row). */
function addGrid(out: References['refs'], g: ChunkGrid): void {
  const { prefix, suffix, offsets, byteCounts, first, across, down } = g;
  for (let y = 0; y < down; y++) {
    const row = `${prefix}${y}.`;
    const base = first + y * across;
    for (let x = 0; x < across; x++) {
      const off = offsets[base + x];
      const len = byteCounts[base + x];
      if (off === 0 || len === 0) continue;
      out[suffix ? row + x + suffix : row + x] = ['{{u}}', off, len];
    }
  }
}

const countGrid = (g: ChunkGrid) => {
  let n = 0;
  for (let i = g.first, end = g.first + g.across * g.down; i < end; i++) if (g.offsets[i] !== 0 && g.byteCounts[i] !== 0) n++;
  return n;
};

export class ReferenceBuilder {
  private entries: Entry[] = [];
  templates: Record<string, string>;

  constructor(url: string) {
    this.templates = { u: url };
  }

  /** A builder holding an existing reference set (e.g. a ZIP's, which is small). */
  static from(refs: References): ReferenceBuilder {
    const b = new ReferenceBuilder(refs.templates.u ?? '');
    b.templates = { ...refs.templates };
    for (const [key, value] of Object.entries(refs.refs)) b.entries.push({ kind: 'value', key, value });
    return b;
  }

  /** A metadata document (e.g. `0/.zarray`) stored as a JSON string, as kerchunk expects. */
  setJson(key: string, value: unknown): void {
    this.entries.push({ kind: 'value', key, value: JSON.stringify(value) });
  }

  /** One chunk of the templated data file: `["{{u}}", offset, length]`. */
  addRange(key: string, offset: number, length: number): void {
    this.entries.push({ kind: 'value', key, value: ['{{u}}', offset, length] });
  }

  addGrid(grid: ChunkGrid): void {
    this.entries.push({ kind: 'grid', grid });
  }

  /** How many chunk references (byte ranges) the set holds. */
  get chunkCount(): number {
    let n = 0;
    for (const e of this.entries) n += e.kind === 'grid' ? countGrid(e.grid) : Array.isArray(e.value) ? 1 : 0;
    return n;
  }

  toReferences(): References {
    const refs: References['refs'] = {};
    for (const e of this.entries) {
      if (e.kind === 'grid') addGrid(refs, e.grid);
      else refs[e.key] = e.value;
    }
    return { version: 1, templates: { ...this.templates }, refs };
  }

  /** UTF-8 JSON, equal to `JSON.stringify(this.toReferences())`. */
  toJsonBytes(): Uint8Array {
    let bound = 256;
    for (const e of this.entries) bound += e.kind === 'grid' ? gridBound(e.grid) : 64;
    const w = new ByteWriter(bound);
    // each entry is written with a leading comma: the first one's is written over by this "{"
    w.text(`{"version":1,"templates":${JSON.stringify(this.templates)},"refs":`);
    const start = w.pos;
    for (const e of this.entries) {
      if (e.kind === 'grid') writeGrid(w, e.grid);
      else {
        w.bytes(keyBytes(e.key));
        w.text(JSON.stringify(e.value));
      }
    }
    if (w.pos > start) w.buf[start] = 123; // {
    else w.text('{');
    w.text('}}');
    return w.buf.subarray(0, w.pos);
  }

  toJson(): string {
    return new TextDecoder().decode(this.toJsonBytes());
  }
}
