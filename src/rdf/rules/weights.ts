/**
 * Weights entries per format (model 0.4 and 0.5, spec WeightsDescr) in the spec's field order,
 * the architecture strings of 0.4 ("file.py:Callable" / "module.Callable"), and the rules across
 * entries (at least one; 0.5: parents must exist; exactly one original is a warning).
 */
import { type Check, type Ctx, fail, type Fields, int, isObj, mapping, nullable, obj, str, union } from '../check.js';
import type { Path } from '../types.js';
import { attachments, author, fileDescr, packagedFile, sha256, url, version } from './common.js';

const WEIGHTS_FORMATS = ['keras_hdf5', 'onnx', 'pytorch_state_dict', 'tensorflow_js', 'tensorflow_saved_model_bundle', 'torchscript'] as const;
const parent = nullable((v, p, ctx) =>
  WEIGHTS_FORMATS.includes(v as never) ? true : fail(ctx, p, `parent ${JSON.stringify(v)} is not a weights format (${WEIGHTS_FORMATS.join(', ')})`),
);

const PY_KEYWORDS = new Set('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '));
const isIdentifier = (s: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !PY_KEYWORDS.has(s);
const identifierAt = (s: string, p: Path, ctx: Ctx) => isIdentifier(s) || fail(ctx, p, `${JSON.stringify(s)} is not a valid Python identifier`);

/** "<file>:<callable>": the last ":" separates the callable (so ".../unet.py:UNet2d/content" names "UNet2d/content"). */
const callableFromFile: Check = (v, p, ctx) => {
  const s = String(v).trim();
  if (!/^.+:.+$/.test(s)) return fail(ctx, p, `${JSON.stringify(v)} must be "file.py:Callable" or "module.path.Callable"`);
  const parts = s.split(':');
  const callable = parts.pop()!;
  const file = parts.join(':');
  const okFile = /^https?:\/\//i.test(file) ? url(file, [...p, 'source_file'], ctx) : file.startsWith('/') ? fail(ctx, [...p, 'source_file'], `${JSON.stringify(file)} is an absolute path`) : true;
  return identifierAt(callable, [...p, 'callable_name'], ctx) && okFile;
};

/** "<module.path>.<callable>" from an installed dependency. */
const callableFromDependency: Check = (v, p, ctx) => {
  const s = String(v).trim();
  if (!/^.+\..+$/.test(s)) return fail(ctx, p, `${JSON.stringify(v)} must be "file.py:Callable" or "module.path.Callable"`);
  const parts = s.split('.');
  const callable = parts.pop()!;
  for (const m of parts) if (!identifierAt(m, [...p, 'module_name'], ctx)) return false;
  return identifierAt(callable, [...p, 'callable_name'], ctx);
};

const architecture04: Check = (v, p, ctx) => (typeof v === 'string' ? union(callableFromFile, callableFromDependency)(v, p, ctx) : fail(ctx, p, `expected a string, got ${JSON.stringify(v)}`));

const dependencies04: Check = (v, p, ctx) => {
  if (!str()(v, p, ctx)) return false;
  const s = (v as string).trim();
  if (!/^.+:.+$/.test(s)) return fail(ctx, p, 'must look like "conda:environment.yaml" or "pip:requirements.txt"');
  const [, ...file] = s.split(':');
  return packagedFile(file.join(':'), [...p, 'file'], ctx);
};

function common04(): Fields {
  return {
    source: { check: packagedFile, required: true },
    sha256: nullable(sha256),
    attachments: nullable(attachments('v02')),
    authors: nullable(arrOf(author('v02'))),
    dependencies: nullable(dependencies04),
    parent,
  };
}

function common05(): Fields {
  return { source: { check: packagedFile, required: true }, sha256: nullable(sha256), authors: nullable(arrOf(author('v03'))), parent, comment: str() };
}

function arrOf(c: Check): Check {
  return (v, p, ctx) => {
    if (!Array.isArray(v)) return fail(ctx, p, 'expected a list');
    let ok = true;
    v.forEach((x, i) => (ok = c(x, [...p, i], ctx) && ok));
    return ok;
  };
}

/** The official rule: a file architecture needs its sha256, a dependency one must not have one. */
const architectureSha = (w: Record<string, unknown>, p: Path, ctx: Ctx) => {
  const fromFile = typeof w.architecture === 'string' && /^.+:.+$/.test(w.architecture.trim());
  if (fromFile && w.architecture_sha256 == null) ctx.error(p, 'missing architecture_sha256 for an architecture given as a source file', [...p, 'architecture']);
  else if (!fromFile && w.architecture_sha256 != null) ctx.error(p, 'architecture_sha256 given for an architecture that has no source file', [...p, 'architecture_sha256']);
};

const FORMATS_04: Record<string, Fields> = {
  keras_hdf5: { tensorflow_version: nullable(version) },
  onnx: { opset_version: nullable(int({ min: 7 })) },
  pytorch_state_dict: { architecture: { check: architecture04, required: true }, architecture_sha256: nullable(sha256), kwargs: mapping, pytorch_version: nullable(version) },
  tensorflow_js: { tensorflow_version: nullable(version) },
  tensorflow_saved_model_bundle: { tensorflow_version: nullable(version) },
  torchscript: { pytorch_version: nullable(version) },
};

const tfVersion = { check: version, required: true as const };
const ARCH_05 = union(
  obj({ source: { check: packagedFile, required: true }, sha256: nullable(sha256), callable: { check: str({ min: 1 }), required: true }, kwargs: mapping }),
  obj({ import_from: { check: str(), required: true }, callable: { check: str({ min: 1 }), required: true }, kwargs: mapping }),
);

const FORMATS_05: Record<string, Fields> = {
  keras_hdf5: { tensorflow_version: tfVersion },
  onnx: { opset_version: { check: int({ min: 7 }), required: true }, external_data: nullable(fileDescr) },
  pytorch_state_dict: { architecture: { check: ARCH_05, required: true }, pytorch_version: { check: version, required: true }, dependencies: nullable(fileDescr) },
  tensorflow_js: { tensorflow_version: tfVersion },
  tensorflow_saved_model_bundle: { tensorflow_version: tfVersion, dependencies: nullable(fileDescr) },
  torchscript: { pytorch_version: { check: version, required: true } },
};

const notOwnParent = (k: string) => (w: Record<string, unknown>, p: Path, ctx: Ctx) => {
  if (w.parent === k) ctx.error(p, `weights "${k}" cannot be its own parent`, [...p, 'parent']);
};

const entryCache = new Map<string, Check>();
function entry(k: string, family: '0.4' | '0.5'): Check {
  const key = `${family}|${k}`;
  let c = entryCache.get(key);
  if (!c) {
    const fields = { ...(family === '0.4' ? common04() : common05()), ...(family === '0.4' ? FORMATS_04 : FORMATS_05)[k] };
    const rules = [notOwnParent(k), ...(family === '0.4' && k === 'pytorch_state_dict' ? [architectureSha] : [])];
    if (family === '0.5' && k === 'onnx') {
      rules.push((w, p, ctx) => {
        if (isObj(w.external_data) && w.external_data.source === w.source) ctx.error(p, 'external_data must be a different file than the ONNX source', [...p, 'external_data', 'source']);
      });
    }
    entryCache.set(key, (c = obj(fields, { what: `${k} weights`, rules })));
  }
  return c;
}

export function checkWeights(v: unknown, p: Path, ctx: Ctx, family: '0.4' | '0.5'): boolean {
  if (!isObj(v)) return fail(ctx, p, 'expected a mapping of weights formats to entries');
  let ok = true;
  const present: string[] = [];
  for (const k of WEIGHTS_FORMATS) {
    if (v[k] == null) continue;
    present.push(k);
    ok = entry(k, family)(v[k], [...p, k], ctx) && ok;
  }
  for (const k of Object.keys(v)) {
    if (!(WEIGHTS_FORMATS as readonly string[]).includes(k)) ok = fail(ctx, [...p, k], `unknown weights format "${k}"; expected one of ${WEIGHTS_FORMATS.join(', ')}`);
  }
  if (!ok) return false;
  if (present.length === 0) return fail(ctx, p, 'at least one weights entry is required');
  const roots = present.filter((k) => (v[k] as Record<string, unknown>).parent == null);
  if (roots.length !== 1 && present.length > 1) {
    ctx.warn(p, roots.length === 0 ? 'no weights entry is the original (every entry has a parent)' : `more than one weights entry without "parent" (${roots.join(', ')}); mark converted weights with their parent`);
  }
  for (const k of present) {
    const par = (v[k] as Record<string, unknown>).parent;
    if (typeof par !== 'string' || present.includes(par)) continue;
    const msg = `parent "${par}" of weights "${k}" is not one of the weights entries (${present.join(', ')})`;
    // Model 0.5 makes this an error; 0.4 does not check it.
    if (family === '0.5') return fail(ctx, p, msg);
    ctx.warn([...p, k, 'parent'], msg);
  }
  return true;
}

