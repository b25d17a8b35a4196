/**
 * Seeded random mutations of every valid shared RDF (delete a field, change a value's type, add an
 * unknown field, empty a list): whenever the official JSON schema rejects a mutant, we must reject
 * it too — we are never more lenient than the schema (except the documented time-zone case).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRdf } from '../../src/rdf/parse.js';
import { validateData } from '../../src/rdf/validate.js';
import { DATA, isNaiveTimestampOnly, schemaVerdict } from './schema-oracle.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

type J = unknown;
let seed = Number(process.env.RDF_FUZZ_SEED ?? 1234);
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;

/** All (container, key) slots in the document. */
function slots(v: J, out: [Record<string, J> | J[], string | number][] = []): [Record<string, J> | J[], string | number][] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push([v as Record<string, J>, k]), slots(x, out));
  return out;
}

function mutate(d: J): string {
  const all = slots(d);
  const [c, k] = pick(all);
  const cur = (c as Record<string, J>)[k as string];
  const kind = pick(['delete', 'type', 'unknown', 'empty']);
  if (kind === 'delete') {
    if (Array.isArray(c)) c.splice(k as number, 1);
    else delete (c as Record<string, J>)[k as string];
    return `delete ${String(k)}`;
  }
  if (kind === 'type') {
    const v = typeof cur === 'string' ? 12 : typeof cur === 'number' ? 'twelve' : Array.isArray(cur) ? 'a string' : cur && typeof cur === 'object' ? ['x'] : { x: 1 };
    (c as Record<string, J>)[k as string] = v;
    return `type ${String(k)}`;
  }
  if (kind === 'unknown') {
    const maps = all.map(([cc, kk]) => (cc as Record<string, J>)[kk as string]).filter((x) => x && typeof x === 'object' && !Array.isArray(x)) as Record<string, J>[];
    const m = maps.length ? pick(maps) : (d as Record<string, J>);
    m.zz_unknown_field = 1;
    return 'unknown field';
  }
  if (Array.isArray(cur)) {
    cur.length = 0;
    return `empty ${String(k)}`;
  }
  (c as Record<string, J>)[k as string] = '';
  return `empty string ${String(k)}`;
}

// The real-RDF corpus is judged against the official validator itself (corpus.corpus.test.ts).
const bases = yamlFiles(DATA)
  .filter((f) => !/invalid|wrong_shape/.test(f) && !path.relative(DATA, f).startsWith('rdf-corpus'))
  .map((f) => ({ f: path.relative(DATA, f), data: parseRdf(readFileSync(f, 'utf8'), { name: f }).data }));

describe('random mutations: never more lenient than the official schema', () => {
  for (const { f, data } of bases) {
    it(f, () => {
      const misses: string[] = [];
      let schemaRejected = 0;
      for (let n = 0; n < 150; n++) {
        const d = structuredClone(data);
        const what = mutate(d);
        const theirs = schemaVerdict(d);
        if (theirs.valid !== false || isNaiveTimestampOnly(theirs)) continue;
        schemaRejected++;
        // bioimageio.spec reads author strings as {name} in 0.2/0.4 (its `accept_author_strings`); the schema cannot.
        if (theirs.errors.every((e) => /^\/authors\/\d+$/.test(e.instancePath) && e.keyword === 'type') && Array.isArray((d as { authors?: unknown }).authors) && ((d as { authors: unknown[] }).authors).some((a: unknown) => typeof a === "string")) continue;
        if (validateData(d).valid) misses.push(`${what}: schema says ${theirs.errors.slice(0, 2).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
      }
      expect(schemaRejected).toBeGreaterThan(5);
      expect(misses).toEqual([]);
    });
  }
});
