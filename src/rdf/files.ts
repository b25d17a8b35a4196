/**
 * Referenced files: list every file an RDF points to (documentation, covers, weights, test and
 * sample tensors, attachments, architecture sources), then check each exists, matches its sha256
 * (streamed, never the whole file in memory in Node), and that test tensors have shapes the tensor
 * description allows. I/O goes through the ByteSource seam, opened by an injected function.
 */
import { mapLimit } from '../io/map-limit.js';
import type { ByteSource } from '../io/byte-source.js';
import { parseNpyHeader } from '../ndarray/npy.js';
import { isObj } from './check.js';
import { resolveRef } from './load.js';
import type { Path, RdfIssue } from './types.js';
import { expectedShapes, type ShapeRule } from './shapes.js';

type FileKind = 'documentation' | 'cover' | 'weights' | 'architecture' | 'test_input' | 'test_output' | 'sample' | 'attachment' | 'dependencies' | 'icon';

export interface FileRef {
  /** Dotted path of the field holding the reference. */
  path: string;
  /** The reference as written in the RDF. */
  ref: string;
  sha256?: string;
  kind: FileKind;
  /** For test tensors: which tensor (index in inputs/outputs). */
  tensor?: number;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Every file reference of the RDF (all types and versions), in document order. */
export function listFileRefs(data: unknown): FileRef[] {
  if (!isObj(data)) return [];
  const out: FileRef[] = [];
  const add = (p: Path, v: unknown, kind: FileKind, sha?: unknown, tensor?: number) => {
    if (str(v)) out.push({ path: p.join('.'), ref: v, kind, sha256: str(sha) ? sha : undefined, tensor });
    else if (isObj(v) && str(v.source)) out.push({ path: [...p, 'source'].join('.'), ref: v.source, kind, sha256: str(v.sha256) ? v.sha256 : undefined, tensor });
  };
  add(['documentation'], data.documentation, 'documentation');
  if (str(data.icon) && data.icon.length > 2) add(['icon'], data.icon, 'icon');
  if (Array.isArray(data.covers)) data.covers.forEach((c, i) => add(['covers', i], c, 'cover'));
  const att = data.attachments;
  if (Array.isArray(att)) att.forEach((a, i) => add(['attachments', i], a, 'attachment'));
  else if (isObj(att) && Array.isArray(att.files)) att.files.forEach((a, i) => add(['attachments', 'files', i], a, 'attachment'));
  for (const key of ['test_inputs', 'test_outputs'] as const) {
    const l = data[key];
    if (Array.isArray(l)) l.forEach((f, i) => add([key, i], f, key === 'test_inputs' ? 'test_input' : 'test_output', undefined, i));
  }
  for (const key of ['sample_inputs', 'sample_outputs'] as const) {
    const l = data[key];
    if (Array.isArray(l)) l.forEach((f, i) => add([key, i], f, 'sample'));
  }
  for (const key of ['inputs', 'outputs'] as const) {
    const l = data[key];
    if (!Array.isArray(l)) continue;
    l.forEach((t, i) => {
      if (!isObj(t)) return;
      if (t.test_tensor != null) add([key, i, 'test_tensor'], t.test_tensor, key === 'inputs' ? 'test_input' : 'test_output', undefined, i);
      if (t.sample_tensor != null) add([key, i, 'sample_tensor'], t.sample_tensor, 'sample');
    });
  }
  if (isObj(data.weights)) {
    for (const [fmt, w] of Object.entries(data.weights)) {
      if (!isObj(w)) continue;
      add(['weights', fmt, 'source'], w.source, 'weights', w.sha256);
      if (isObj(w.architecture) && str(w.architecture.source)) add(['weights', fmt, 'architecture'], w.architecture, 'architecture');
      else if (str(w.architecture) && /^[^:]+\.py:/.test(w.architecture)) {
        add(['weights', fmt, 'architecture'], w.architecture.split(':')[0], 'architecture', w.architecture_sha256);
      }
      if (isObj(w.dependencies)) add(['weights', fmt, 'dependencies'], w.dependencies, 'dependencies');
      // 0.4: "conda:environment.yaml" / "pip:requirements.txt" name a file next to the RDF.
      else if (str(w.dependencies) && /^(conda|pip):./.test(w.dependencies)) add(['weights', fmt, 'dependencies'], w.dependencies.replace(/^(conda|pip):/, ''), 'dependencies');
      if (isObj(w.external_data)) add(['weights', fmt, 'external_data'], w.external_data, 'weights');
    }
  }
  return out;
}

export interface Hasher {
  update(bytes: Uint8Array): void;
  digest(): Promise<string>;
}

export interface FileAccess {
  /** Opens a resolved location (URL or local path). */
  open(location: string): ByteSource;
  /** A fresh incremental sha256. */
  sha256(): Hasher;
  /** Hashing cap (bytes); larger files are reported as not hashed. Default: unlimited. */
  maxHashBytes?: number;
}

/** A referenced file whose check could not run (unreachable, outside a package, too large to hash). */
export interface SkippedFile {
  path: string;
  ref: string;
  reason: string;
}

export interface FileCheckOptions {
  hashes?: boolean;
  /** Filled with the references that could not be checked. */
  skipped?: SkippedFile[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, label?: string) => void;
  /** Parallel checks; default 4. */
  concurrency?: number;
}

const CHUNK = 8 * 1024 * 1024;

/** Checks existence, sha256 and test tensor shapes. Returns issues (errors and warnings). */
export async function checkFiles(data: unknown, baseUrl: string, access: FileAccess, opts: FileCheckOptions = {}): Promise<RdfIssue[]> {
  const refs = listFileRefs(data);
  const issues: RdfIssue[] = [];
  const shapes = expectedShapes(data);
  const testShapes = new Map<string, number[]>();
  const err = (path: string, message: string) => issues.push({ path, message, severity: 'error' });
  const warn = (path: string, message: string) => issues.push({ path, message, severity: 'warning' });
  let done = 0;
  /** A file that is there but could not be read: not a verdict on it, so a warning and a skipped check. */
  const couldNotCheck = (r: FileRef, e: unknown) => {
    warn(r.path, `could not check ${r.kind} file ${JSON.stringify(r.ref)}: ${(e as Error).message}`);
    opts.skipped?.push({ path: r.path, ref: r.ref, reason: (e as Error).message });
  };
  const one = async (r: FileRef) => {
    const loc = resolveRef(baseUrl, r.ref);
    const src = access.open(loc);
    try {
      let size: number;
      try {
        size = await src.size();
      } catch (e) {
        if (isNotFound(e)) err(r.path, `${r.kind} file ${JSON.stringify(r.ref)} not found (${loc})`);
        else couldNotCheck(r, e);
        return;
      }
      if (r.kind === 'test_input' || r.kind === 'test_output') {
        try {
          const head = await src.read(0, Math.min(size, 4096), opts.signal);
          const h = parseNpyHeader(head, r.ref);
          testShapes.set(`${r.kind}:${r.tensor}`, h.shape);
          if (!r.ref.endsWith('.npy')) warn(r.path, 'test tensor is not named .npy');
        } catch (e) {
          err(r.path, `test tensor ${JSON.stringify(r.ref)}: ${(e as Error).message}`);
        }
      }
      if (r.kind === 'documentation') {
        let problem: Awaited<ReturnType<typeof documentationProblem>>;
        try {
          problem = await documentationProblem(src, size, data, opts.signal);
        } catch (e) {
          if (opts.signal?.aborted) throw e;
          couldNotCheck(r, e); // e.g. the connection dropped: says nothing about the text's encoding
          return;
        }
        if (problem) (problem.error ? err : warn)(r.path, problem.message);
      }
      if (r.sha256 && opts.hashes !== false) {
        if (access.maxHashBytes !== undefined && size > access.maxHashBytes) {
          const why = `sha256 not checked: ${(size / 1048576).toFixed(0)} MB is above this reader's ${(access.maxHashBytes / 1048576).toFixed(0)} MB hashing limit`;
          warn(r.path, why);
          opts.skipped?.push({ path: r.path, ref: r.ref, reason: why });
        } else {
          const hasher = access.sha256();
          for (let o = 0; o < size; o += CHUNK) hasher.update(await src.read(o, Math.min(CHUNK, size - o), opts.signal));
          const got = await hasher.digest();
          if (got.toLowerCase() !== r.sha256.toLowerCase()) err(r.path, `sha256 mismatch for ${JSON.stringify(r.ref)}: the RDF says ${r.sha256}, the file has ${got}`);
        }
      }
    } finally {
      await (src as { close?: () => Promise<void> }).close?.();
      opts.onProgress?.(++done, refs.length, r.ref);
    }
  };
  await mapLimit(refs, opts.concurrency ?? 4, one);
  issues.push(...checkTestShapes(shapes, testShapes));
  return issues;
}

const MAX_DOC = 1024 * 1024;

/** Documentation must be UTF-8 Markdown; 0.3 resources / 0.5 models should have a "Validation" section (spec warns). */
async function documentationProblem(src: ByteSource, size: number, data: unknown, signal?: AbortSignal): Promise<{ error: boolean; message: string } | undefined> {
  if (size > MAX_DOC) return { error: false, message: `documentation is ${(size / 1048576).toFixed(1)} MB; not checked beyond existence` };
  // A failing read throws to the caller; only the decoding decides "not UTF-8".
  const bytes = await src.read(0, size, signal);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: true, message: 'documentation is not UTF-8 text' };
  }
  // generic 0.3 (and model 0.5, built on it) warns about a missing validation section.
  const fv = isObj(data) && typeof data.format_version === 'string' ? data.format_version : '';
  const v03 = data !== null && isObj(data) && (data.type === 'model' ? fv.startsWith('0.5.') : fv.startsWith('0.3.'));
  if (v03 && !/^#{1,6}\s*validation\b/im.test(text)) return { error: false, message: 'documentation has no "# Validation" section describing how the model was validated' };
  return undefined;
}

function isNotFound(e: unknown): boolean {
  const x = e as { status?: number; code?: string; message?: string };
  return x.status === 404 || x.code === 'ENOENT' || /no such file/i.test(x.message ?? '');
}

/** Compares actual test tensor shapes with what the tensor descriptions allow. */
function checkTestShapes(rules: { inputs: ShapeRule[]; outputs: ShapeRule[] }, actual: Map<string, number[]>): RdfIssue[] {
  const issues: RdfIssue[] = [];
  const ins = rules.inputs.map((_, i) => actual.get(`test_input:${i}`));
  for (const [kind, list] of [['test_input', rules.inputs], ['test_output', rules.outputs]] as const) {
    list.forEach((rule, i) => {
      const shape = actual.get(`${kind}:${i}`);
      if (!shape) return;
      const problem = rule.check(shape, ins);
      if (problem) issues.push({ path: rule.testPath, message: `test ${kind === 'test_input' ? 'input' : 'output'} shape (${shape.join(', ')}) ${problem}`, severity: problem.startsWith('has rank') ? 'warning' : 'error' });
    });
  }
  return issues;
}
