/**
 * Weights entries per format (model 0.4 and 0.5) and the rules across entries: at least one,
 * parents must exist, exactly one entry without a parent.
 */
import { type Check, Ctx, fail, type Fields, int, isObj, mapping, nullable, obj, str, union } from '../check.js';
import type { Path } from '../types.js';
import { attachments, author, fileDescr, fileRef, sha256, version } from './common.js';

export const WEIGHTS_FORMATS = ['keras_hdf5', 'onnx', 'pytorch_state_dict', 'tensorflow_js', 'tensorflow_saved_model_bundle', 'torchscript'] as const;
const parent = nullable((v, p, ctx) =>
  WEIGHTS_FORMATS.includes(v as never) ? true : fail(ctx, p, `parent ${JSON.stringify(v)} is not a weights format (${WEIGHTS_FORMATS.join(', ')})`),
);

function common04(): Fields {
  return {
    source: { check: fileRef, required: true },
    sha256: nullable(sha256),
    attachments: nullable(attachments('v02')),
    authors: nullable(arrOf(author('v02'))),
    dependencies: nullable(str({ pattern: /^.+:.+$/, patternHint: 'must look like "conda:environment.yaml" or "pip:requirements.txt"' })),
    parent,
  };
}

function common05(): Fields {
  return { source: { check: fileRef, required: true }, sha256: nullable(sha256), authors: nullable(arrOf(author('v03'))), parent, comment: str() };
}

function arrOf(c: Check): Check {
  return (v, p, ctx) => {
    if (!Array.isArray(v)) return fail(ctx, p, 'expected a list');
    let ok = true;
    v.forEach((x, i) => (ok = c(x, [...p, i], ctx) && ok));
    return ok;
  };
}

const ARCH_04 = union(
  str({ pattern: /^.+:.+$/, patternHint: 'must be "file.py:Callable" or "module.path.Callable"' }),
  str({ pattern: /^.+\..+$/, patternHint: 'must be "file.py:Callable" or "module.path.Callable"' }),
);

const FORMATS_04: Record<string, Fields> = {
  keras_hdf5: { tensorflow_version: nullable(version) },
  onnx: { opset_version: nullable(int({ min: 7 })) },
  pytorch_state_dict: { architecture: { check: ARCH_04, required: true }, architecture_sha256: nullable(sha256), kwargs: mapping, pytorch_version: nullable(version) },
  tensorflow_js: { tensorflow_version: nullable(version) },
  tensorflow_saved_model_bundle: { tensorflow_version: nullable(version) },
  torchscript: { pytorch_version: nullable(version) },
};

const tfVersion = { check: version, required: true as const };
const ARCH_05 = union(
  obj({ source: { check: fileRef, required: true }, sha256: nullable(sha256), callable: { check: str({ min: 1 }), required: true }, kwargs: mapping }),
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

export function checkWeights(v: unknown, p: Path, ctx: Ctx, family: '0.4' | '0.5'): void {
  if (!isObj(v)) return void fail(ctx, p, 'expected a mapping of weights formats to entries');
  const formats = family === '0.4' ? FORMATS_04 : FORMATS_05;
  const present: string[] = [];
  for (const [k, entry] of Object.entries(v)) {
    if (!(k in formats)) {
      fail(ctx, [...p, k], `unknown weights format "${k}"; expected one of ${WEIGHTS_FORMATS.join(', ')}`);
      continue;
    }
    if (entry === null) continue;
    present.push(k);
    obj({ ...(family === '0.4' ? common04() : common05()), ...formats[k] }, { what: `${k} weights` })(entry, [...p, k], ctx);
    if (isObj(entry) && family === '0.5' && k === 'onnx' && isObj(entry.external_data) && entry.external_data.source === entry.source) {
      ctx.error([...p, k, 'external_data', 'source'], 'external_data must be a different file than the ONNX source');
    }
  }
  if (present.length === 0) return void fail(ctx, p, 'at least one weights entry is required');
  const roots = present.filter((k) => !isObj(v[k]) || (v[k] as Record<string, unknown>).parent == null);
  for (const k of present) {
    const par = (v[k] as Record<string, unknown>)?.parent;
    if (typeof par === 'string') {
      if (par === k) ctx.error([...p, k, 'parent'], `weights "${k}" cannot be its own parent`);
      else if (!present.includes(par)) ctx.error([...p, k, 'parent'], `parent "${par}" is not one of the weights entries (${present.join(', ')})`);
    }
  }
  if (roots.length !== 1 && present.length > 1) {
    ctx.warn(p, roots.length === 0 ? 'no weights entry is the original (every entry has a parent)' : `more than one weights entry without "parent" (${roots.join(', ')}); mark converted weights with their parent`);
  }
}
