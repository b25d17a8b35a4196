/**
 * TEST ONLY: the official bioimageio JSON schema (bioimageio.spec 0.5.7.2) read with ajv, used as
 * an independent oracle. The schema pins the latest patch per major.minor (`const`), so — as the
 * notes' verified recipe says — we pick the per-type definition, apply the 0.4.0→0.4.1 converter
 * step (root `dependencies` moved/dropped) and set format_version to the latest patch.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusData } from '../helpers/paths.js';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export { repoRoot } from '../helpers/paths.js';
/** The bioimageio part of the real-world corpus: only corpus tests import this module. */
export const DATA = path.join(corpusData, 'bioimageio');
const LATEST: Record<string, string> = { '0.2': '0.2.4', '0.3': '0.3.0', '0.4': '0.4.10', '0.5': '0.5.7' };

export interface OracleVerdict {
  /** undefined: the schema has no definition for this type/version (cannot decide). */
  valid: boolean | undefined;
  errors: { instancePath: string; message?: string; keyword: string; params: unknown }[];
}

type AjvLike = { addSchema(s: object, k: string): void; getSchema(ref: string): ((d: unknown) => boolean) & { errors?: unknown } | undefined; addFormat(n: string, f: boolean): void };

let ajv: AjvLike | undefined;
function instance(): AjvLike {
  if (ajv) return ajv;
  const schema = JSON.parse(readFileSync(path.join(DATA, 'bioimageio_schema.json'), 'utf8'));
  const A = Ajv2020 as unknown as new (o: object) => AjvLike;
  ajv = new A({ strict: false, allErrors: true });
  (addFormats as unknown as (a: AjvLike) => void)(ajv);
  ajv.addFormat('path', true);
  ajv.addFormat('file-path', true);
  ajv.addSchema(schema, 'bio');
  return ajv;
}

export function schemaVerdict(data0: unknown): OracleVerdict {
  const data = structuredClone(data0) as Record<string, unknown>;
  if (typeof data !== 'object' || data === null) return { valid: false, errors: [] };
  const type = typeof data.type === 'string' ? data.type : undefined;
  const fv = typeof data.format_version === 'string' ? data.format_version : undefined;
  if (!type || !fv || !['model', 'dataset', 'application', 'notebook'].includes(type)) return { valid: undefined, errors: [] };
  const mm = fv.split('.').slice(0, 2).join('.');
  const latest = LATEST[mm];
  if (!latest) return { valid: false, errors: [{ instancePath: '/format_version', keyword: 'const', params: {}, message: 'unknown version' }] };
  if (type === 'model' && fv === '0.4.0') {
    const w = data.weights as Record<string, Record<string, unknown>> | undefined;
    if (data.dependencies !== undefined && w?.pytorch_state_dict) w.pytorch_state_dict.dependencies = data.dependencies;
    delete data.dependencies;
  }
  data.format_version = latest;
  const T = type[0]!.toUpperCase() + type.slice(1);
  const v = instance().getSchema(`bio#/$defs/bioimageio__spec__${type}__v${mm.replace('.', '_')}__${T}Descr`);
  if (!v) return { valid: undefined, errors: [] };
  const ok = v(data);
  return { valid: ok, errors: (v.errors ?? []) as OracleVerdict['errors'] };
}

/** The one documented disagreement: the schema's RFC 3339 date-time rejects timestamps without a
 * time zone, which bioimageio.spec accepts (we warn). Such errors are not a schema decision we follow. */
export function isNaiveTimestampOnly(v: OracleVerdict): boolean {
  return v.valid === false && v.errors.length > 0 && v.errors.every((e) => e.instancePath === '/timestamp' && e.keyword === 'format');
}
