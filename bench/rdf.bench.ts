/**
 * `npm run bench -- rdf`: validate 1,000 RDFs built from the shared examples (varied names,
 * authors, descriptions, tags and tensor descriptions) with our validator vs ajv + the official
 * JSON schema (which checks less: no cross-field rules, no positions). Same data, same process,
 * interleaved rounds; prints per-RDF medians and the ratio (target ≤ 2×).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parseRdf, type ParsedRdf } from '../src/rdf/parse.js';
import { validateData, validateRdf } from '../src/rdf/validate.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
// The corpus's zoo RDFs (docs/testing.md).
const DATA = path.resolve(root, process.env.IMJOY_SHARE_CORPUS ?? '../shared/data', 'bioimageio');
const N = 1000;
const ROUNDS = 9;
const LATEST: Record<string, string> = { '0.2': '0.2.4', '0.3': '0.3.0', '0.4': '0.4.10', '0.5': '0.5.7' };

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(n) ? [p] : [];
  });
}

// Bases: the shared RDFs both validators accept (the invalid examples would short-circuit nothing
// for ajv but make the comparison about error formatting).
const bases = yamlFiles(DATA)
  .filter((f) => !/invalid|wrong_shape/.test(f))
  .map((f) => parseRdf(readFileSync(f, 'utf8'), { name: f }).data as Record<string, unknown>);

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
const FIRST = ['Anna', 'Wei', 'Fynn', 'Constantin', 'Maria', 'Kenji', 'Olu', 'Sara'];
const LAST = ['Pape', 'Schmidt', 'Ouyang', 'Weigert', 'Nakamura', 'Adeyemi', 'Rossi', 'Berg'];

function vary(i: number): Record<string, unknown> {
  const d = structuredClone(bases[i % bases.length]!);
  d.name = `Example model ${i} ${pick(['UNet', 'StarDist', 'CellPose', 'Noise2Void'])}`;
  d.description = `Variant ${i}: ${pick(['nuclei', 'cells', 'membranes', 'mitochondria'])} segmentation in ${pick(['2D', '3D'])} ${pick(['fluorescence', 'EM', 'brightfield'])} images.`;
  d.authors = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({ name: `${pick(FIRST)} ${pick(LAST)}`, affiliation: pick(['EMBL', 'KTH', 'Institut Pasteur']) }));
  d.tags = Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => pick(['unet', 'segmentation', 'nuclei', '2d', '3d', 'onnx', 'pytorch', 'fluorescence']));
  for (const key of ['inputs', 'outputs']) {
    const ts = d[key];
    if (Array.isArray(ts)) for (const t of ts) if (t && typeof t === 'object') (t as Record<string, unknown>).description = `${key} tensor ${i}`;
  }
  return d;
}

const rdfs = Array.from({ length: N }, (_, i) => vary(i));
// Our validator reads YAML positions too: parse the generated documents once, up front.
const { stringify } = await import('yaml');
const parsed: ParsedRdf[] = rdfs.map((d, i) => parseRdf(stringify(d), { name: `rdf${i}.yaml` }));

// ajv: the notes' recipe (latest patch, 0.4.0 converter step) applied up front, outside timing.
const schema = JSON.parse(readFileSync(path.join(DATA, 'bioimageio_schema.json'), 'utf8'));
const t0 = performance.now();
const AjvC = Ajv2020 as unknown as new (o: object) => { addSchema(s: object, k: string): void; getSchema(r: string): (d: unknown) => boolean; addFormat(n: string, f: boolean): void };
const ajv = new AjvC({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv);
ajv.addFormat('path', true);
ajv.addFormat('file-path', true);
ajv.addSchema(schema, 'bio');
const ajvInputs = rdfs.map((d0) => {
  const d = structuredClone(d0);
  const type = String(d.type);
  const mm = String(d.format_version).split('.').slice(0, 2).join('.');
  if (d.format_version === '0.4.0') delete d.dependencies;
  d.format_version = LATEST[mm];
  const T = type[0]!.toUpperCase() + type.slice(1);
  return { d, v: ajv.getSchema(`bio#/$defs/bioimageio__spec__${type}__v${mm.replace('.', '_')}__${T}Descr`) };
});
const compileMs = performance.now() - t0;

function time(f: () => number): number {
  const t = performance.now();
  const n = f();
  if (n < 0) throw new Error('unreachable');
  return (performance.now() - t) / N;
}

const oursData: number[] = [];
const oursPos: number[] = [];
const ajvT: number[] = [];
let okOurs = 0;
let okAjv = 0;
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order each round so warm-up and GC pauses do not favour one side.
  const runs = [
    () => oursData.push(time(() => parsed.reduce((n, p) => n + (validateData(p.data).valid ? 1 : 0), 0))),
    () => oursPos.push(time(() => (okOurs = parsed.reduce((n, p) => n + (validateRdf(p).valid ? 1 : 0), 0)))),
    () => ajvT.push(time(() => (okAjv = ajvInputs.reduce((n, { d, v }) => n + (v(d) ? 1 : 0), 0)))),
  ];
  for (let k = 0; k < runs.length; k++) runs[(k + r) % runs.length]!();
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

console.log(`${N} RDFs from ${bases.length} shared examples; ${ROUNDS} interleaved rounds, medians per RDF`);
console.log(`  ours (rules, no positions)            ${us(med(oursData))}`);
console.log(`  ours (rules + YAML line/column)       ${us(med(oursPos))}   valid: ${okOurs}/${N}`);
console.log(`  ajv + official JSON schema            ${us(med(ajvT))}   valid: ${okAjv}/${N}   (schema compile ${compileMs.toFixed(0)} ms, not included)`);
const ratio = med(oursPos) / med(ajvT);
console.log(`  ratio ours/ajv: ${(med(oursData) / med(ajvT)).toFixed(2)}× (no positions), ${ratio.toFixed(2)}× (with positions)   target ≤ 2×  ${ratio <= 2 ? 'MET' : 'NOT MET'}`);
