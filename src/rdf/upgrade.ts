/**
 * The official converters that bioimageio.spec applies before validating (its "before" model
 * validators): older generic 0.2 patches, model 0.3 → 0.4.0 → 0.4.10, and the leniencies they
 * carry (author strings, https://doi.org/ prefixes, GitHub URL prefixes). Real zoo files rely on
 * them, so validating without them rejects files the official validator accepts.
 * Written from the behaviour of bioimageio.spec 0.5.7.2; works on a deep copy.
 */
import { isObj } from './check.js';

type Data = Record<string, unknown>;

const DOI_PREFIXES = ['https://doi.org/', 'http://dx.doi.org/'];

const mm = (fv: unknown): [number, number] | undefined => {
  if (typeof fv !== 'string') return undefined;
  const p = fv.split('.');
  const a = Number(p[0]);
  const b = Number(p[1] ?? 0);
  return Number.isInteger(a) && Number.isInteger(b) ? [a, b] : undefined;
};
const gt = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** Strips the DOI URL prefixes the 0.2/0.4 formats accept unofficially (0.5 does not). */
export function stripDoiPrefix(doi: unknown): unknown {
  if (typeof doi !== 'string') return doi;
  for (const p of DOI_PREFIXES) if (doi.startsWith(p)) return doi.slice(p.length);
  return doi;
}

function removeDoiPrefix(d: Data): void {
  if (!Array.isArray(d.cite)) return;
  d.cite = d.cite.map((c) => (isObj(c) && typeof c.doi === 'string' ? { ...c, doi: stripDoiPrefix(c.doi) } : c));
}

function removeGhPrefix(d: Data): void {
  for (const k of ['authors', 'maintainers']) {
    const l = d[k];
    if (!Array.isArray(l)) continue;
    for (const a of l) {
      if (isObj(a) && typeof a.github_user === 'string' && a.github_user.startsWith('https://github.com/')) a.github_user = a.github_user.slice('https://github.com/'.length);
    }
  }
}

const noSlashes = (s: string) => s.replace(/[/\\]/g, '');

function removeSlashesFromNames(d: Data): void {
  if (typeof d.name === 'string') d.name = noSlashes(d.name);
  for (const k of ['authors', 'maintainers']) {
    const l = d[k];
    if (Array.isArray(l)) d[k] = l.map((p) => (isObj(p) && typeof p.name === 'string' ? { ...p, name: noSlashes(p.name) } : p));
  }
}

function nicknameToId(d: Data): void {
  const b = isObj(d.config) && isObj(d.config.bioimageio) ? d.config.bioimageio : undefined;
  if (!b) return;
  if (b.nickname != null) d.id = b.nickname;
  if (b.nickname_icon != null) d.id_emoji = b.nickname_icon;
}

/** generic (application, dataset, notebook, …) ≤ 0.2.x → 0.2.4. */
export function convertGeneric02(d: Data): void {
  const v = mm(d.format_version);
  if (typeof d.format_version === 'string' && v && gt(v, [0, 2])) return;
  if (!('format_version' in d)) return;
  if (Array.isArray(d.authors)) d.authors = d.authors.map((a) => (typeof a === 'string' ? { name: a } : a));
  if (d.format_version === '0.2.0' || d.format_version === '0.2.1') d.format_version = '0.2.2';
  if (d.format_version === '0.2.2') {
    removeSlashesFromNames(d);
    d.format_version = '0.2.3';
  }
  if (d.format_version === '0.2.3') {
    nicknameToId(d);
    d.format_version = '0.2.4';
  }
  removeDoiPrefix(d);
  removeGhPrefix(d);
}

/** generic 0.2.x/0.3.x → 0.3.0 (the 0.2 steps, then attachments as file list, dropped fields, name characters). */
export function convertGeneric03(d: Data): void {
  const fv = d.format_version ?? '0.2.0';
  const v = mm(fv);
  if (typeof fv !== 'string' || fv.split('.').length !== 3 || !v || gt(v, [0, 3])) return;
  convertGeneric02(d);
  if (isObj(d.attachments)) d.attachments = (Array.isArray(d.attachments.files) ? d.attachments.files : []).map((source) => ({ source }));
  delete d.download_url;
  delete d.rdf_source;
  if (typeof d.name === 'string') d.name = [...d.name].map((c) => (/[A-Za-z0-9_+\- ()]/.test(c) ? c : ' ')).join('').slice(0, 128);
  d.format_version = '0.3.0';
}

/** model 0.3.x → 0.4.0 (authors as mappings, `reference_input` renamed, architecture into the weights entry, pytorch_script → torchscript). */
function convertModel03(d: Data, moved: [string, string][]): void {
  if (d.format_version === '0.3.0') d.format_version = '0.3.1';
  if (d.format_version === '0.3.1') {
    d.type = 'model';
    d.format_version = '0.3.2';
    const cfg = isObj(d.config) ? d.config : undefined;
    const futureAll = cfg && isObj(cfg.future) ? cfg.future : undefined;
    const future = futureAll && isObj(futureAll['0.3.2']) ? (futureAll['0.3.2'] as Data) : {};
    if (futureAll) delete futureAll['0.3.2'];
    const people = (list: unknown, update: unknown) => {
      if (!Array.isArray(list)) return list;
      const out = list.map((name) => ({ name }) as Data);
      if (Array.isArray(update)) update.forEach((u, i) => isObj(u) && out[i] && Object.assign(out[i]!, u));
      return out;
    };
    if (Array.isArray(d.authors)) d.authors = people(d.authors, future.authors);
    if (d.packaged_by != null) d.packaged_by = people(d.packaged_by, future.packaged_by);
    if (isObj(d.weights)) {
      for (const [fmt, w] of Object.entries(d.weights)) {
        if (!isObj(w) || !('authors' in w)) continue;
        const fw = isObj(future.weights) && isObj(future.weights[fmt]) ? (future.weights[fmt] as Data).authors : undefined;
        w.authors = people(w.authors, fw);
      }
    }
    if ('version' in future) d.version = future.version;
  }
  if (d.format_version === '0.3.2') {
    d.format_version = '0.3.3';
    if (Array.isArray(d.outputs)) {
      for (const o of d.outputs) {
        if (isObj(o) && isObj(o.shape) && 'reference_input' in o.shape) {
          const { reference_input, ...rest } = o.shape;
          o.shape = { ...rest, reference_tensor: reference_input };
        }
      }
    }
  }
  if (['0.3.3', '0.3.4', '0.3.5'].includes(d.format_version as string)) d.format_version = '0.3.6';
  if (d.format_version !== '0.3.6') return;
  const cfg = isObj(d.config) ? d.config : undefined;
  if (cfg && isObj(cfg.future) && Object.keys(cfg.future).length === 0) delete cfg.future;
  if (cfg && Object.keys(cfg).length === 0) delete d.config;
  delete d.language;
  delete d.framework;
  const architecture = d.source;
  const architectureSha = d.sha256;
  const kwargs = d.kwargs;
  delete d.source;
  delete d.sha256;
  delete d.kwargs;
  const weights = isObj(d.weights) ? d.weights : undefined;
  const psd = weights?.pytorch_state_dict;
  if (isObj(psd)) {
    if (architecture != null) {
      psd.architecture = architecture;
      moved.push(['weights.pytorch_state_dict.architecture', 'source']);
    }
    if (architectureSha != null) {
      psd.architecture_sha256 = architectureSha;
      moved.push(['weights.pytorch_state_dict.architecture_sha256', 'sha256']);
    }
    if (kwargs != null) {
      psd.kwargs = kwargs;
      moved.push(['weights.pytorch_state_dict.kwargs', 'kwargs']);
    }
  }
  if (weights && 'pytorch_script' in weights) {
    const ts = weights.pytorch_script;
    delete weights.pytorch_script;
    if (ts != null) {
      weights.torchscript = ts;
      moved.push(['weights.torchscript', 'weights.pytorch_script']);
    }
  }
  d.format_version = '0.4.0';
}

/** model 0.3.x/0.4.x → 0.4.10. */
export function convertModel04(d: Data, moved: [string, string][] = []): void {
  const v = mm(d.format_version);
  if (typeof d.format_version !== 'string' || !v) return;
  if (gt([0, 4], v)) convertModel03(d, moved);
  else if (gt(v, [0, 4])) return;
  if (d.format_version === '0.4.0') {
    const deps = d.dependencies;
    delete d.dependencies;
    const psd = isObj(d.weights) ? d.weights.pytorch_state_dict : undefined;
    if (deps && isObj(psd)) {
      psd.dependencies = deps;
      moved.push(['weights.pytorch_state_dict.dependencies', 'dependencies']);
    }
    d.format_version = '0.4.1';
  }
  if (['0.4.1', '0.4.2', '0.4.3', '0.4.4'].includes(d.format_version as string)) {
    const parent = d.parent;
    delete d.parent;
    if (isObj(parent) && 'uri' in parent) d.parent = parent.uri;
    d.format_version = '0.4.5';
  }
  if (d.format_version === '0.4.5' || d.format_version === '0.4.6') {
    removeSlashesFromNames(d);
    d.format_version = '0.4.7';
  }
  if (d.format_version === '0.4.7' || d.format_version === '0.4.8') d.format_version = '0.4.9';
  if (d.format_version === '0.4.9') {
    nicknameToId(d);
    d.format_version = '0.4.10';
  }
  removeDoiPrefix(d);
  removeGhPrefix(d);
  const cfg = isObj(d.config) ? d.config : undefined;
  if (cfg && isObj(cfg.future) && Object.keys(cfg.future).length === 0) delete cfg.future;
  if (cfg && Object.keys(cfg).length === 0) delete d.config;
}

/**
 * A newer patch of an implemented major version is read as the implemented one (the official
 * `_ignore_future_patch`); returns the format_version to validate.
 */
export function ignoreFuturePatch(fv: unknown, implemented: string): unknown {
  if (typeof fv !== 'string') return fv;
  const a = fv.split('.').map(Number);
  const b = implemented.split('.').map(Number);
  if (a.length < 2 || a.some((x) => !Number.isInteger(x))) return fv;
  const later = a[1]! > b[1]! || (a[1] === b[1] && (a[2] ?? 0) > b[2]!);
  return a[0] === b[0] && later ? implemented : fv;
}

