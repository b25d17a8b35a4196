/**
 * Entry point of the static validator: detect `type` and `format_version`, dispatch to the rule
 * module for that type/version, attach YAML positions. File existence/sha256 checks are separate
 * (files.ts) because they do I/O.
 */
import { Ctx, isObj } from './check.js';
import type { ParsedRdf } from './parse.js';
import { genericChecker } from './rules/generic.js';
import { checkModel04 } from './rules/model-v04.js';
import { checkModel05 } from './rules/model-v05.js';
import type { RdfIssue, ValidationResult } from './types.js';

/** Latest patch per type and major.minor that the rules implement (bioimageio.spec 0.5.7.2). */
export const IMPLEMENTED: Record<string, Record<string, string>> = {
  model: { '0.4': '0.4.10', '0.5': '0.5.7' },
  generic: { '0.2': '0.2.4', '0.3': '0.3.0' },
  application: { '0.2': '0.2.4', '0.3': '0.3.0' },
  dataset: { '0.2': '0.2.4', '0.3': '0.3.0' },
  notebook: { '0.2': '0.2.4', '0.3': '0.3.0' },
};

export interface VersionInfo {
  type: string;
  format_version: string;
  majorMinor: string;
  patch: number;
}

/** Reads type and format_version; undefined version parts are reported into ctx. */
export function detect(data: unknown, ctx: Ctx): VersionInfo | undefined {
  if (!isObj(data)) {
    ctx.error([], `an RDF must be a YAML mapping, got ${data === null ? 'an empty document' : Array.isArray(data) ? 'a list' : typeof data}`);
    return undefined;
  }
  const type = data.type === undefined ? 'generic' : data.type;
  if (typeof type !== 'string') {
    ctx.error(['type'], `"type" must be a string, got ${JSON.stringify(type)}`);
    return undefined;
  }
  const fv = data.format_version;
  if (fv === undefined) {
    ctx.error(['format_version'], 'required field "format_version" is missing');
    return undefined;
  }
  if (typeof fv !== 'string') {
    ctx.error(['format_version'], `format_version must be a string like "0.5.4", got ${JSON.stringify(fv)} (quote it in YAML)`);
    return undefined;
  }
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(fv);
  if (!m) {
    ctx.error(['format_version'], `format_version ${JSON.stringify(fv)} is not MAJOR.MINOR.PATCH`);
    return undefined;
  }
  const majorMinor = `${m[1]}.${m[2]}`;
  const patch = Number(m[3]);
  const known = IMPLEMENTED[type] ?? IMPLEMENTED.generic!;
  const latest = known[majorMinor];
  if (!latest) {
    const hint = type === 'model' && majorMinor === '0.3' ? '; model 0.3 must be converted to 0.4/0.5 (bioimageio.spec can convert it)' : '';
    ctx.error(['format_version'], `format_version ${fv} is not supported for type "${type}" (supported: ${Object.keys(known).map((k) => k + '.x').join(', ')})${hint}`);
    return undefined;
  }
  const latestPatch = Number(latest.split('.')[2]);
  if (patch > latestPatch) ctx.warn(['format_version'], `future format_version ${fv} is checked with the rules of ${latest}`);
  return { type, format_version: fv, majorMinor, patch };
}

/** Validates a parsed RDF (static rules only). */
export function validateRdf(parsed: ParsedRdf): ValidationResult {
  return validateData(parsed.data, parsed);
}

/** Validates plain data; positions are added when the parse result is given. */
export function validateData(data: unknown, parsed?: Pick<ParsedRdf, 'nearestPosition'>): ValidationResult {
  const ctx = new Ctx();
  const v = detect(data, ctx);
  if (v && isObj(data)) {
    if (v.type === 'model') {
      if (v.majorMinor === '0.4') checkModel04(data, ctx, v.patch);
      else checkModel05(data, ctx, v.patch);
    } else {
      if (!(v.type in IMPLEMENTED) && v.majorMinor === '0.2') {
        // generic 0.2 accepted any type string; 0.3 reserves the specific ones.
        ctx.warn(['type'], `type "${v.type}" is not a specific BioImage.IO type; checked as a generic resource`);
      }
      genericChecker(v.type, v.majorMinor === '0.2' ? 'v02' : 'v03')(data, [], ctx);
    }
  }
  return result(ctx.issues, data, v, parsed);
}

export function result(issues: RdfIssue[], data: unknown, v: VersionInfo | undefined, parsed?: Pick<ParsedRdf, 'nearestPosition'>): ValidationResult {
  const seen = new Set<string>();
  const errors: RdfIssue[] = [];
  const warnings: RdfIssue[] = [];
  for (const i of issues) {
    const key = `${i.severity}|${i.path}|${i.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (parsed && i.line === undefined) {
      const pos = parsed.nearestPosition(i.path === '' ? [] : i.path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
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
