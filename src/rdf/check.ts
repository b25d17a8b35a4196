/**
 * A small declarative checker for RDF fields, modelled on how bioimageio.spec (pydantic) reports:
 * fields in declaration order, then unknown keys, then the model's own cross-field checks, which
 * run only when all its fields are valid and are reported at the model's path (with `at` naming
 * the exact place). Hand-written instead of ajv + the official JSON schema because issues must
 * carry our paths and YAML positions, and the schema cannot express the converters and
 * cross-field rules.
 */
import { type Path, type RdfIssue, pathString } from './types.js';

export class Ctx {
  readonly issues: RdfIssue[] = [];
  error(path: Path, message: string, at?: Path): void {
    this.issues.push({ path: pathString(path), message, severity: 'error', ...(at ? { at: pathString(at) } : {}) });
  }
  warn(path: Path, message: string): void {
    this.issues.push({ path: pathString(path), message, severity: 'warning' });
  }
  get errorCount(): number {
    let n = 0;
    for (const i of this.issues) if (i.severity === 'error') n++;
    return n;
  }
}

/** Checks a value at a path, reporting into ctx; returns true when no error was found. */
export type Check = (v: unknown, path: Path, ctx: Ctx) => boolean;

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

// The spec's URLs are pydantic HttpUrl: http(s) with a host.
// The host may not contain spaces; the rest may (the URL parser percent-encodes them).
const URI_RE = /^\s*https?:\/\/[^\s/?#]+(?:[/?#].*)?$/is;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export interface StrOpts {
  min?: number;
  max?: number;
  pattern?: RegExp;
  patternHint?: string;
  format?: 'uri' | 'email' | 'date-time';
}

export const str =
  (o: StrOpts = {}): Check =>
  (v, p, ctx) => {
    if (typeof v !== 'string') return fail(ctx, p, `expected a string, got ${describe(v)}`);
    // Lengths in code points, as Python's len() (an emoji outside the BMP is one, not two UTF-16 units).
    const n = o.min !== undefined || o.max !== undefined ? codePoints(v) : 0;
    if (o.min !== undefined && n < o.min) return fail(ctx, p, o.min === 1 ? 'must not be empty' : `must be at least ${o.min} characters (is ${n})`);
    if (o.max !== undefined && n > o.max) return fail(ctx, p, `must be at most ${o.max} characters (is ${n})`);
    if (o.pattern && !o.pattern.test(v)) return fail(ctx, p, `${JSON.stringify(v)} ${o.patternHint ?? `does not match ${o.pattern.source}`}`);
    if (o.format === 'uri' && !URI_RE.test(v)) return fail(ctx, p, `${JSON.stringify(v)} is not an http(s) URL`);
    if (o.format === 'email' && !EMAIL_RE.test(v)) return fail(ctx, p, `${JSON.stringify(v)} is not an e-mail address`);
    if (o.format === 'date-time') {
      if (!DATETIME_RE.test(v) || Number.isNaN(Date.parse(v.replace(' ', 'T')))) return fail(ctx, p, `${JSON.stringify(v)} is not an ISO 8601 date-time`);
      if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(v)) ctx.warn(p, `timestamp ${JSON.stringify(v)} has no time zone; it is read as UTC`);
    }
    return true;
  };

export interface NumOpts {
  min?: number;
  max?: number;
  exclMin?: number;
  exclMax?: number;
}

function numRange(v: number, o: NumOpts, p: Path, ctx: Ctx): boolean {
  if (o.min !== undefined && v < o.min) return fail(ctx, p, `must be ≥ ${o.min} (is ${v})`);
  if (o.exclMin !== undefined && v <= o.exclMin) return fail(ctx, p, `must be > ${o.exclMin} (is ${v})`);
  if (o.max !== undefined && v > o.max) return fail(ctx, p, `must be ≤ ${o.max} (is ${v})`);
  if (o.exclMax !== undefined && v >= o.exclMax) return fail(ctx, p, `must be < ${o.exclMax} (is ${v})`);
  return true;
}

/**
 * Numbers as pydantic reads them in lax mode: a numeric string such as "0.5" or "-inf" is a number
 * too; infinities and NaN only where `allowInfNan` (e.g. data_range).
 */
function laxNumber(v: unknown, allowInfNan = false): number | undefined {
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const t = v.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) n = Number(t);
    else if (/^[+-]?(inf|infinity)$/.test(t)) n = t.startsWith('-') ? -Infinity : Infinity;
    else if (/^[+-]?nan$/.test(t)) n = NaN;
  }
  if (n === undefined || (!allowInfNan && !Number.isFinite(n))) return undefined;
  return n;
}

export const num =
  (o: NumOpts & { allowInfNan?: boolean } = {}): Check =>
  (v, p, ctx) => {
    const n = laxNumber(v, o.allowInfNan);
    return n !== undefined ? numRange(n, o, p, ctx) : fail(ctx, p, `expected a number, got ${describe(v)}`);
  };

export const int =
  (o: NumOpts = {}): Check =>
  (v, p, ctx) => {
    const n = typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) ? numRange(n, o, p, ctx) : fail(ctx, p, `expected an integer, got ${describe(v)}`);
  };

export const bool: Check = (v, p, ctx) => (typeof v === 'boolean' ? true : fail(ctx, p, `expected true or false, got ${describe(v)}`));
export const mapping: Check = (v, p, ctx) => (isObj(v) ? true : fail(ctx, p, `expected a mapping, got ${describe(v)}`));

export const oneOfValues =
  (values: readonly (string | number)[], what = 'value'): Check =>
  (v, p, ctx) =>
    values.includes(v as string) ? true : fail(ctx, p, `unknown ${what} ${JSON.stringify(v)}; expected one of ${values.join(', ')}`);

export const nullable =
  (c: Check): Check =>
  (v, p, ctx) =>
    v === null ? true : c(v, p, ctx);

export const arr =
  (item: Check, o: { min?: number; max?: number } = {}): Check =>
  (v, p, ctx) => {
    if (!Array.isArray(v)) return fail(ctx, p, `expected a list, got ${describe(v)}`);
    let ok = true;
    if (o.min !== undefined && v.length < o.min) ok = fail(ctx, p, o.min === 1 ? 'must not be empty' : `needs at least ${o.min} entries (has ${v.length})`);
    if (o.max !== undefined && v.length > o.max) ok = fail(ctx, p, `takes at most ${o.max} entries (has ${v.length})`);
    for (let i = 0; i < v.length; i++) ok = item(v[i], [...p, i], ctx) && ok;
    return ok;
  };

/**
 * Tries alternatives; passes when one passes. When all fail, the first alternative's errors come
 * first (the official validator lists every member's errors in declaration order), followed by
 * those of the alternative with the fewest errors when that is another one (the likely intent).
 */
export const union =
  (...alts: Check[]): Check =>
  (v, p, ctx) => {
    let best: Ctx | undefined;
    let first: Ctx | undefined;
    for (const a of alts) {
      const c = new Ctx();
      if (a(v, p, c)) {
        ctx.issues.push(...c.issues);
        return true;
      }
      first ??= c;
      if (!best || c.errorCount < best.errorCount) best = c;
    }
    ctx.issues.push(...first!.issues);
    if (best !== first) ctx.issues.push(...best!.issues);
    return false;
  };

interface Field {
  check: Check;
  required?: boolean;
  /** 0.5 "FAIR" fields: optional, but a warning when missing or empty. */
  recommended?: string;
  deprecated?: string;
}

export type Fields = Record<string, Field | Check>;

const asField = (f: Field | Check): Field => (typeof f === 'function' ? { check: f } : f);

/** A cross-field rule of a model: report with ctx.error(path, …, at) and return false to stop. */
type ModelRule = (v: Record<string, unknown>, p: Path, ctx: Ctx) => boolean | void;

export interface ObjOpts {
  /** 'forbid' (the spec's default): unknown keys are errors; 'ignore'/'allow': accepted. */
  extra?: 'forbid' | 'ignore' | 'allow';
  /** @deprecated use extra; false = 'allow'. */
  closed?: boolean;
  what?: string;
  /** Model-level rules, run in order while no error has been found in this mapping. */
  rules?: ModelRule[];
}

/**
 * A mapping with known fields. Unknown fields are errors unless `extra` says otherwise; `null`
 * counts as absent for optional fields, as in the spec.
 */
export const obj =
  (fields: Fields, o: ObjOpts = {}): Check =>
  (v, p, ctx) => {
    if (!isObj(v)) return fail(ctx, p, `expected a mapping${o.what ? ` (${o.what})` : ''}, got ${describe(v)}`);
    let ok = true;
    for (const [k, f0] of Object.entries(fields)) {
      const f = asField(f0);
      const has = Object.hasOwn(v, k) && v[k] !== undefined;
      if (!has || (v[k] === null && !f.required)) {
        if (f.required) ok = fail(ctx, [...p, k], `required field "${k}" is missing`);
        else if (f.recommended) ctx.warn([...p, k], `"${k}" is missing: ${f.recommended}`);
        continue;
      }
      ok = f.check(v[k], [...p, k], ctx) && ok;
      if (f.recommended && ((Array.isArray(v[k]) && (v[k] as unknown[]).length === 0) || v[k] === '')) {
        ctx.warn([...p, k], `"${k}" is empty: ${f.recommended}`);
      }
      if (f.deprecated) ctx.warn([...p, k], f.deprecated);
    }
    const extra = o.extra ?? (o.closed === false ? 'allow' : 'forbid');
    if (extra === 'forbid') {
      for (const k of Object.keys(v)) {
        if (!(k in fields)) ok = fail(ctx, [...p, k], `unknown field "${k}"${suggest(k, Object.keys(fields))}`);
      }
    }
    if (ok) {
      for (const rule of o.rules ?? []) {
        const before = ctx.errorCount;
        if (rule(v, p, ctx) === false || ctx.errorCount > before) return false;
      }
    }
    return ok;
  };

/** Picks the checker by a discriminating field (e.g. axis `type`, processing `name`/`id`). */
export const tagged =
  (key: string, cases: Record<string, Check>, what: string): Check =>
  (v, p, ctx) => {
    if (!isObj(v)) return fail(ctx, p, `expected a mapping (${what}), got ${describe(v)}`);
    const tag = v[key];
    if (tag === undefined) return fail(ctx, [...p, key], `required field "${key}" is missing`);
    const c = typeof tag === 'string' ? cases[tag] : undefined;
    if (!c) return fail(ctx, [...p, key], `unknown ${what} ${JSON.stringify(tag)}; expected one of ${Object.keys(cases).join(', ')}`);
    return c(v, p, ctx);
  };

export function fail(ctx: Ctx, p: Path, message: string): false {
  ctx.error(p, message);
  return false;
}

function suggest(k: string, known: string[]): string {
  let best = '';
  let bestD = 3;
  for (const c of known) {
    const d = editDistance(k, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
