/**
 * A version-independent view of an RDF for display (plugin card, `rdf show`): 0.4 tensors are
 * normalised to 0.5-like axis objects, references resolved against the RDF location. Pure data,
 * no HTML: rendering and sanitising happen at the edges.
 */
import { isObj } from './check.js';
import { convertAxes04, type AxisObject } from './convert.js';
import { resolveRef } from './load.js';

interface Person {
  name?: string;
  affiliation?: string;
  email?: string;
  orcid?: string;
  github_user?: string;
}

interface Citation {
  text: string;
  doi?: string;
  url?: string;
  /** Link to follow: https://doi.org/<doi> or the url. */
  href?: string;
}

export interface TensorCard {
  id: string;
  description?: string;
  axes: { id: string; type: string; size: string; scale?: number; unit?: string; halo?: number }[];
  dtype: string;
  range?: string;
  processing: string[];
  testTensor?: string;
  sampleTensor?: string;
}

interface WeightsCard {
  format: string;
  source: string;
  url: string;
  sha256?: string;
  parent?: string;
  details: string[];
}

export interface Card {
  type: string;
  format_version: string;
  name: string;
  id?: string;
  version?: string;
  description: string;
  authors: Person[];
  maintainers: Person[];
  cite: Citation[];
  license?: string;
  tags: string[];
  badges: { label: string; url: string; icon?: string }[];
  covers: string[];
  documentation?: string;
  git_repo?: string;
  source?: string;
  links: string[];
  inputs: TensorCard[];
  outputs: TensorCard[];
  weights: WeightsCard[];
  attachments: { source: string; url: string; sha256?: string }[];
}

const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const src = (v: unknown): { source?: string; sha256?: string } => (isObj(v) ? { source: s(v.source), sha256: s(v.sha256) } : { source: s(v) });

export function toCard(data: unknown, baseUrl: string): Card {
  const d = isObj(data) ? data : {};
  const res = (ref: string | undefined) => (ref ? resolveRef(baseUrl, ref) : undefined);
  const person = (p: unknown): Person => (isObj(p) ? { name: s(p.name), affiliation: s(p.affiliation), email: s(p.email), orcid: s(p.orcid), github_user: s(p.github_user) } : { name: s(p) });
  const fv = s(d.format_version) ?? '';
  const v05 = fv.startsWith('0.5.');
  const attachments = Array.isArray(d.attachments)
    ? d.attachments.map(src)
    : isObj(d.attachments)
      ? list(d.attachments.files).map(src)
      : [];
  return {
    type: s(d.type) ?? 'generic',
    format_version: fv,
    name: s(d.name) ?? '(no name)',
    id: s(d.id),
    version: s(d.version),
    description: s(d.description) ?? '',
    authors: list(d.authors).map(person),
    maintainers: list(d.maintainers).map(person),
    cite: list(d.cite).filter(isObj).map((c) => {
      const doi = s(c.doi);
      const url = s(c.url);
      return { text: s(c.text) ?? '', doi, url, href: doi ? `https://doi.org/${doi}` : url && /^https?:\/\//.test(url) ? url : undefined };
    }),
    license: s(src(d.license).source),
    tags: list(d.tags).map((t) => String(t)),
    badges: list(d.badges).filter(isObj).map((b) => ({ label: s(b.label) ?? '', url: s(b.url) ?? '', icon: res(s(b.icon)) })),
    covers: list(d.covers).map((c) => res(src(c).source)).filter((x): x is string => !!x),
    documentation: res(src(d.documentation).source),
    git_repo: s(d.git_repo),
    source: s(d.source),
    links: list(d.links).map(String),
    inputs: tensors(d, 'inputs', v05),
    outputs: tensors(d, 'outputs', v05),
    weights: isObj(d.weights)
      ? Object.entries(d.weights)
          .filter(([, w]) => isObj(w))
          .map(([format, w0]) => {
            const w = w0 as Record<string, unknown>;
            const details: string[] = [];
            for (const k of ['opset_version', 'pytorch_version', 'tensorflow_version', 'comment']) if (w[k] != null && w[k] !== '') details.push(`${k}: ${String(w[k])}`);
            if (typeof w.architecture === 'string') details.push(`architecture: ${w.architecture}`);
            else if (isObj(w.architecture)) details.push(`architecture: ${s(w.architecture.source) ?? s(w.architecture.import_from) ?? ''}:${s(w.architecture.callable) ?? ''}`);
            const source = s(w.source) ?? '';
            return { format, source, url: source ? resolveRef(baseUrl, source) : '', sha256: s(w.sha256), parent: s(w.parent), details };
          })
      : [],
    attachments: attachments.filter((a) => a.source).map((a) => ({ source: a.source!, url: resolveRef(baseUrl, a.source!), sha256: a.sha256 })),
  };
}

function sizeText(size: unknown): string {
  if (typeof size === 'number') return String(size);
  if (isObj(size) && 'min' in size && 'step' in size) return `${size.min} + n·${size.step}`;
  if (isObj(size) && 'tensor_id' in size) return `${size.tensor_id}.${size.axis_id}${size.offset ? (Number(size.offset) > 0 ? ` + ${size.offset}` : ` − ${-Number(size.offset)}`) : ''}`;
  if (isObj(size)) return `data-dependent${size.max ? ` ≤ ${size.max}` : ''}`;
  return '?';
}

function procText(p: unknown): string {
  if (!isObj(p)) return String(p);
  const op = s(p.id) ?? s(p.name) ?? '?';
  const kw = isObj(p.kwargs) ? Object.entries(p.kwargs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : '';
  return kw ? `${op}(${kw})` : op;
}

function tensors(d: Record<string, unknown>, key: 'inputs' | 'outputs', v05: boolean): TensorCard[] {
  const procKey = key === 'inputs' ? 'preprocessing' : 'postprocessing';
  const tests = list(d[key === 'inputs' ? 'test_inputs' : 'test_outputs']);
  const samples = list(d[key === 'inputs' ? 'sample_inputs' : 'sample_outputs']);
  const inAxes = new Map(list(d.inputs).filter(isObj).map((t) => [String(t.name), String(t.axes ?? '')]));
  return list(d[key])
    .filter(isObj)
    .map((t, i) => {
      let axes: AxisObject[] | Record<string, unknown>[];
      let dtype: string;
      let range: string | undefined;
      if (v05) {
        axes = list(t.axes).filter(isObj);
        const data = Array.isArray(t.data) ? t.data[0] : t.data;
        dtype = isObj(data) ? (s(data.type) ?? ('values' in data ? 'uint8' : 'float32')) : 'float32';
        if (isObj(data) && Array.isArray(data.range)) range = `[${data.range.map((x) => (x === null ? '−∞/∞' : String(x))).join(', ')}]`;
        if (Array.isArray(t.data)) dtype += ` (per channel: ${t.data.length})`;
      } else {
        const ref = isObj(t.shape) && typeof t.shape.reference_tensor === 'string' ? inAxes.get(t.shape.reference_tensor) : undefined;
        axes = typeof t.axes === 'string' ? convertAxes04(t.axes, t.shape, t.halo, ref) : [];
        dtype = s(t.data_type) ?? '?';
        if (Array.isArray(t.data_range)) range = `[${t.data_range.join(', ')}]`;
      }
      const DEF: Record<string, string> = { batch: 'batch', channel: 'channel', index: 'index', time: 'time', space: 'x' };
      return {
        id: s(t.id) ?? s(t.name) ?? (key === 'inputs' ? 'input' : 'output'),
        description: s(t.description),
        axes: (axes as Record<string, unknown>[]).map((a) => ({
          id: s(a.id) ?? DEF[String(a.type)] ?? String(a.type),
          type: String(a.type),
          size: a.type === 'channel' ? channelText(list(a.channel_names)) : a.type === 'batch' ? (a.size === 1 ? '1' : 'any') : sizeText(a.size),
          scale: typeof a.scale === 'number' && a.scale !== 1 ? a.scale : undefined,
          unit: s(a.unit),
          halo: typeof a.halo === 'number' ? a.halo : undefined,
        })),
        dtype,
        range,
        processing: list(t[procKey]).map(procText),
        testTensor: v05 ? src(t.test_tensor).source : s(tests[i]),
        sampleTensor: v05 ? src(t.sample_tensor).source : s(samples[i]),
      };
    });
}

function channelText(names: unknown[]): string {
  const shown = names.length > 4 ? [...names.slice(0, 3), '…'] : names;
  return `${names.length} (${shown.join(', ')})`;
}
