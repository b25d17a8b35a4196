/**
 * Entry point of the static (format) validator, following bioimageio.spec's
 * `build_description(..., perform_io_checks=False)`: read `type` and `format_version`, pick the
 * description class (unknown types are generic; an unsupported version is checked as the latest),
 * apply the official converters, check the fields, attach YAML positions. File existence and
 * sha256 are a separate level (files.ts), as in the official validator.
 */
import { Ctx, isObj } from './check.js';
import type { ParsedRdf } from './parse.js';
import { genericChecker } from './rules/generic.js';
import { checkModel04 } from './rules/model-v04.js';
import { checkModel05 } from './rules/model-v05.js';
import type { RdfIssue, ValidationResult } from './types.js';
import { convertGeneric02, convertGeneric03, convertModel04, ignoreFuturePatch } from './upgrade.js';

/** Format versions each description class implements (bioimageio.spec 0.5.7.2). */
const IMPLEMENTED: Record<string, Record<string, string>> = {
  model: { '0.4': '0.4.10', '0.5': '0.5.7' },
  generic: { '0.2': '0.2.4', '0.3': '0.3.0' },
  application: { '0.2': '0.2.4', '0.3': '0.3.0' },
  dataset: { '0.2': '0.2.4', '0.3': '0.3.0' },
  notebook: { '0.2': '0.2.4', '0.3': '0.3.0' },
};
/** model 0.3 is read by the 0.4 class (after the official 0.3 → 0.4 conversion). */
const CLASS_OF: Record<string, Record<string, string>> = {
  model: { '0.3': '0.4', '0.4': '0.4', '0.5': '0.5' },
  generic: { '0.2': '0.2', '0.3': '0.3' },
};
const LATEST: Record<string, string> = { model: '0.5', generic: '0.3' };

export interface VersionInfo {
  type: string;
  format_version: string;
  majorMinor: string;
  patch: number;
}

/** What the validator actually checked when the official converters changed the document. */
interface Conversion {
  /** format_version as written and as checked. */
  from: string;
  to: string;
  /** The converted document (what the official library validates and loads). */
  data: Record<string, unknown>;
  /** Converted-path prefix → original path prefix (fields the converter moved). */
  moved: [string, string][];
}

export interface FormatResult extends ValidationResult {
  converted?: Conversion;
}

/** Validates a parsed RDF (static rules only). */
export function validateRdf(parsed: ParsedRdf): FormatResult {
  return validateData(parsed.data, parsed);
}

/** Validates plain data; positions are added when the parse result is given. */
export function validateData(data: unknown, parsed?: Pick<ParsedRdf, 'nearestPosition'>): FormatResult {
  const ctx = new Ctx();
  if (!isObj(data)) {
    ctx.error([], `an RDF must be a YAML mapping, got ${data === null ? 'an empty document' : Array.isArray(data) ? 'a list' : typeof data}`);
    return result(ctx.issues, data, undefined, parsed);
  }
  for (const k of ['type', 'format_version'] as const) {
    if (!(k in data)) ctx.error([k], `required field "${k}" is missing`);
    else if (typeof data[k] !== 'string') ctx.error([k], `"${k}" must be a string, got ${JSON.stringify(data[k])}${k === 'format_version' ? ' (quote it in YAML)' : ''}`);
  }
  if (ctx.errorCount) return result(ctx.issues, data, undefined, parsed);
  const type = data.type as string;
  const fv = data.format_version as string;
  const kind = type === 'model' ? 'model' : 'generic';
  const dots = fv.split('.').length - 1;
  const majorMinor = dots === 1 ? fv : dots === 0 ? fv + '.0' : fv.slice(0, fv.lastIndexOf('.'));
  let cls = CLASS_OF[kind]![majorMinor];
  if (!cls) {
    cls = LATEST[kind]!;
    ctx.warn(['format_version'], `format_version ${fv} is not supported for type "${type}"; checked as the latest format (${IMPLEMENTED[kind === 'model' ? 'model' : 'generic']![cls]})`);
  }
  const implemented = IMPLEMENTED[kind === 'model' ? 'model' : 'generic']![cls]!;
  const d = structuredClone(data);
  const bumped = ignoreFuturePatch(d.format_version, implemented);
  if (bumped !== d.format_version) {
    ctx.warn(['format_version'], `future format_version ${fv} is checked as ${implemented}`);
    d.format_version = bumped;
  }
  const moved: [string, string][] = [];
  if (kind === 'model' && cls === '0.4') convertModel04(d, moved);
  else if (kind === 'model') {
    if (typeof d.format_version === 'string' && d.format_version.startsWith('0.5.')) d.format_version = implemented;
    versionNumberToVersion(d);
  } else if (cls === '0.2') convertGeneric02(d);
  else {
    convertGeneric03(d);
    versionNumberToVersion(d);
  }

  if (kind === 'model' && cls === '0.4') checkModel04(d, ctx);
  else if (kind === 'model') checkModel05(d, ctx);
  else genericChecker(type, cls === '0.2' ? 'v02' : 'v03')(d, [], ctx);

  const v: VersionInfo = { type, format_version: fv, majorMinor, patch: Number(fv.split('.')[2] ?? 0) };
  const changed = JSON.stringify(d) !== JSON.stringify(data);
  const r: FormatResult = result(ctx.issues, data, v, parsed, moved);
  if (changed) r.converted = { from: fv, to: String(d.format_version), data: d, moved };
  return r;
}

/** generic 0.3 / model 0.5: a `version_number` moves to `version` when that is empty. */
function versionNumberToVersion(d: Record<string, unknown>): void {
  if (!('version_number' in d)) return;
  const vn = d.version_number;
  delete d.version_number;
  if (vn != null && d.version == null) d.version = vn;
}

/** Where a converted path came from, for positions. */
function originalPath(path: string, moved: [string, string][]): string {
  for (const [to, from] of moved) if (path === to || path.startsWith(to + '.')) return from + path.slice(to.length);
  return path;
}

export function result(issues: RdfIssue[], data: unknown, v: VersionInfo | undefined, parsed?: Pick<ParsedRdf, 'nearestPosition'>, moved: [string, string][] = []): ValidationResult {
  const seen = new Set<string>();
  const errors: RdfIssue[] = [];
  const warnings: RdfIssue[] = [];
  for (const i of issues) {
    const key = `${i.severity}|${i.path}|${i.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (parsed && i.line === undefined) {
      const where = originalPath(i.at ?? i.path, moved);
      const pos = parsed.nearestPosition(where === '' ? [] : where.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
      i.line = pos.line;
      i.column = pos.column;
    }
    (i.severity === 'error' ? errors : warnings).push(i);
  }
  const d = isObj(data) ? data : {};
  return {
    valid: errors.length === 0,
    type: v?.type ?? (typeof d.type === 'string' ? d.type : undefined),
    format_version: v?.format_version ?? (typeof d.format_version === 'string' ? d.format_version : undefined),
    errors,
    warnings,
  };
}
