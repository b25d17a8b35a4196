/**
 * Field types shared by all resource types: file sources, authors, maintainers, citations, covers,
 * badges, attachments, license, documentation, versions. Versions: "v02" = generic 0.2 / model 0.4
 * family, "v03" = generic 0.3 / model 0.5 family (spec generic/v0_2.py and v0_3.py).
 */
import { arr, type Check, type Ctx, fail, isObj, nullable, obj, str, union } from '../check.js';
import { isDeprecatedSpdxId, isSpdxId, suggestSpdxId } from '../spdx.js';
import { stripDoiPrefix } from '../upgrade.js';

export type Family = 'v02' | 'v03';

const HTTP = /^https?:\/\//i;
export const url: Check = str({ min: 1, max: 2083, format: 'uri' });

/**
 * FileSource: an http(s) URL or a relative path. Whether the file exists is not part of the
 * format (that is the file check), as in the official validator without IO checks.
 */
export const fileRef: Check = (v, p, ctx) => {
  if (typeof v !== 'string') return fail(ctx, p, `expected a string (URL or relative path), got ${describe(v)}`);
  if (HTTP.test(v)) return url(v, p, ctx);
  if (v.trim() === '' || v === '.' || v === './') return fail(ctx, p, `${JSON.stringify(v)} is not a file path`);
  return true;
};

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${String(v)}`;
}

const RDF_NAMES = ['rdf.yaml', 'bioimageio.yaml', 'model.yaml'];

/** The file name a source refers to (a Zenodo API URL ends in "/<name>/content"). */
function fileNameOf(ref: string): string {
  if (HTTP.test(ref)) {
    let path = ref.replace(/^https?:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');
    if (/^https:\/\/zenodo\.org\/api\/records\//i.test(ref) && path.endsWith('/content')) path = path.slice(0, -'/content'.length);
    return path.split('/').pop() ?? '';
  }
  return ref.replace(/\\/g, '/').replace(/\/+$/, '').split('/').pop() ?? '';
}

/** FileSource_: a file that is packaged with the resource, so it may not be another RDF. */
export const packagedFile: Check = (v, p, ctx) => {
  if (!fileRef(v, p, ctx)) return false;
  const name = fileNameOf(v as string);
  if (RDF_NAMES.some((n) => name === n || name.endsWith('.' + n))) {
    return fail(ctx, p, `${JSON.stringify(v)} not allowed here: its file name is reserved for RDF files (rdf.yaml, bioimageio.yaml)`);
  }
  return true;
};

/** The final suffix as the official validator sees it: of the URL path (Zenodo "/content" ignored) or of the file name. */
function suffixOf(ref: string): string {
  if (HTTP.test(ref)) {
    let path = ref.replace(/^https?:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');
    if (/^https?:\/\/zenodo\.org\/api\/records\//i.test(ref) && path.endsWith('/content')) path = path.slice(0, -'/content'.length);
    return path.includes('.') ? '.' + path.split('.').pop() : '';
  }
  const name = fileNameOf(ref);
  const bare = name.replace(/^\.+/, '');
  if (name.endsWith('.') || !bare.includes('.')) return '';
  return '.' + bare.split('.').pop();
}

export const withSuffix =
  (base: Check, suffixes: readonly string[], caseSensitive: boolean): Check =>
  (v, p, ctx) => {
    if (!base(v, p, ctx)) return false;
    const s = suffixOf(v as string);
    const ok = caseSensitive ? suffixes.includes(s) : suffixes.some((x) => x.toLowerCase() === s.toLowerCase());
    if (ok) return true;
    return fail(ctx, p, `expected ${suffixes.length === 1 ? `suffix ${suffixes[0]}` : `a suffix from ${suffixes.join(' ')}`}, but ${JSON.stringify(v)} has ${s || 'no suffix'}`);
  };

export const sha256: Check = str({ min: 64, max: 64, pattern: /^[0-9a-fA-F]{64}$/, patternHint: 'is not a 64-digit hex sha256' });

/** `{source, sha256?}` (0.5 FileDescr_). */
export const fileDescr: Check = obj({ source: { check: packagedFile, required: true }, sha256: nullable(sha256) });

/** PEP 440 versions (the official Version type parses with packaging.version). */
const PEP440 = /^v?(?:\d+!)?\d+(?:\.\d+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?(?:-\d+|[-_.]?(?:post|rev|r)[-_.]?\d*)?(?:[-_.]?dev[-_.]?\d*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/i;
export const version: Check = (v, p, ctx) => {
  if (typeof v !== 'string' && typeof v !== 'number') return fail(ctx, p, `expected a version string, got ${describe(v)}`);
  if (!PEP440.test(String(v).trim())) return fail(ctx, p, `invalid version ${JSON.stringify(String(v))} (expected e.g. 1.0.2)`);
  return true;
};

const optStr = nullable(str());

/** ORCID iD in hyphenated groups with a valid ISO 7064 11,2 check digit (an error in the spec, not a hint). */
const orcid: Check = (v, p, ctx) => {
  if (!str()(v, p, ctx)) return false;
  const s = v as string;
  let check = 0;
  const shapeOk = s.length === 19 && s[4] === '-' && s[9] === '-' && s[14] === '-';
  if (shapeOk) for (const c of s.replace(/-/g, '')) check = (2 * check + (c === 'X' ? 10 : Number(c))) % 11;
  if (!shapeOk || check !== 1) return fail(ctx, p, `${JSON.stringify(s)} is not a valid ORCID iD (0000-0000-0000-0000 with a valid check digit)`);
  return true;
};

const email = str({ format: 'email' });
const noSlash = (what: string): Check => (v, p, ctx) => {
  if (!str()(v, p, ctx)) return false;
  return !/[/\\]/.test(v as string) || fail(ctx, p, `${what} ${JSON.stringify(v)} must not contain "/" or "\\"`);
};

export const author = (family: Family): Check =>
  obj(
    { affiliation: optStr, email: nullable(email), orcid: nullable(orcid), name: { check: family === 'v03' ? noSlash('name') : str(), required: true }, github_user: optStr },
    { what: 'author: {name, affiliation?, email?, orcid?, github_user?}' },
  );
export const maintainer = (family: Family): Check =>
  obj(
    { affiliation: optStr, email: nullable(email), orcid: nullable(orcid), name: nullable(family === 'v03' ? noSlash('name') : str()), github_user: { check: str(), required: true } },
    { what: 'maintainer: {github_user, name?, …}' },
  );

/** 0.2 family: author strings are accepted and read as {name} (official `accept_author_strings`). */
export const authors02: Check = (v, p, ctx) => {
  const list = Array.isArray(v) ? v.map((a) => (typeof a === 'string' ? { name: a } : a)) : v;
  if (Array.isArray(list) && list.length === 0) ctx.warn(p, 'authors: missing');
  return arr(author('v02'))(list, p, ctx);
};

const DOI = /^10\.[0-9]{4}.+$/;
const doi = str({ pattern: DOI, patternHint: 'is not a DOI (10.xxxx/…)' });

const eitherDoiOrUrl = (v: Record<string, unknown>, p: readonly (string | number)[], ctx: Ctx) => {
  if (!v.doi && !v.url) ctx.error(p, 'a citation needs a "doi" or a "url"');
};

/**
 * 0.2 family: an https://doi.org/ prefix is stripped before the pattern check (official
 * `accept_prefixed_doi`); 0.3 family (model 0.5) has no such step and rejects it.
 */
export const citeEntry = (family: Family): Check => {
  const entry = obj(
    { text: { check: str(), required: true }, doi: nullable(doi), url: nullable(family === 'v03' ? url : str()) },
    { what: 'citation: {text, doi?, url?}', rules: [eitherDoiOrUrl] },
  );
  if (family === 'v03') return entry;
  return (v, p, ctx) => entry(isObj(v) && typeof v.doi === 'string' ? { ...v, doi: stripDoiPrefix(v.doi) } : v, p, ctx);
};

export const badge: Check = obj({ label: { check: str(), required: true }, icon: nullable(union(fileRef, url)), url: { check: url, required: true } });

const COVER_EXTENSIONS = ['.gif', '.jpeg', '.jpg', '.png', '.svg', '.tif', '.tiff'];
/** Any URL or path whose suffix is an image one (a Zenodo ".../cover.png/content" URL counts as .png). */
export const cover: Check = withSuffix(packagedFile, COVER_EXTENSIONS, false);

/** generic 0.2: any file source; 0.3 / model 0.5: a Markdown file (.md). */
export const documentation = (family: Family): Check => (family === 'v02' ? fileRef : withSuffix(packagedFile, ['.md'], true));

/** 0.2 and model 0.4: any string, with a warning when not an SPDX id. 0.3 / model 0.5: an SPDX id. */
export const license =
  (strict: boolean): Check =>
  (v, p, ctx) => {
    if (!str()(v, p, ctx)) return false;
    const id = v as string;
    if (isSpdxId(id)) return true;
    if (isDeprecatedSpdxId(id)) {
      ctx.warn(p, `license ${JSON.stringify(id)} is a deprecated SPDX id`);
      return true;
    }
    const hint = suggestSpdxId(id);
    const msg = `license ${JSON.stringify(id)} is not an SPDX license id${hint ? ` (did you mean "${hint}"?)` : ' (see https://spdx.org/licenses/)'}`;
    if (strict) return fail(ctx, p, msg);
    ctx.warn(p, msg);
    return true;
  };

export const uploader: Check = obj({ email: { check: email, required: true }, name: optStr });

export const icon: Check = union(str({ min: 1, max: 2 }), fileRef);

/** 0.2 `attachments: {files: [...], ...}` (open mapping); 0.3: a list of FileDescr. */
export const attachments = (family: Family): Check =>
  family === 'v02' ? obj({ files: arr(packagedFile) }, { extra: 'allow' }) : arr(fileDescr);

/**
 * Resource ids: lower-case letters, digits and _-/. only (upper case is lowered first), not
 * starting or ending with "/".
 */
export const resourceId: Check = (v, p, ctx) => {
  if (!str({ min: 1 })(v, p, ctx)) return false;
  const s = (v as string).toLowerCase();
  if (/[^a-z0-9_\-/.]/.test(s)) return fail(ctx, p, `${JSON.stringify(v)} may only use a-z 0-9 _ - / .`);
  if (s.startsWith('/') || s.endsWith('/')) return fail(ctx, p, `${JSON.stringify(v)} must not start or end with "/"`);
  return true;
};

export const tags: Check = arr(str());
export const links: Check = arr(str());

