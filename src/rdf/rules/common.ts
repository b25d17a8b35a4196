/**
 * Field checkers shared by all resource types: authors, maintainers, citations, covers, badges,
 * attachments, license, documentation. Versions: "v02" = generic 0.2 / model 0.4 family,
 * "v03" = generic 0.3 / model 0.5 family (spec generic/v0_2.py and v0_3.py).
 */
import { any, arr, bool, type Check, constant, Ctx, fail, type Fields, int, isObj, mapping, nullable, num, obj, str, union } from '../check.js';
import { isDeprecatedSpdxId, isSpdxId, suggestSpdxId } from '../spdx.js';

export type Family = 'v02' | 'v03';

const URL_OR_PATH = str({ min: 1, max: 2083 });
export const fileRef: Check = URL_OR_PATH;
export const url: Check = str({ min: 1, max: 2083, format: 'uri' });
export const version: Check = union(str(), num());
const optStr = nullable(str());

/** `{source, sha256?}` (0.5 FileDescr). */
export const fileDescr: Check = (v, p, ctx) =>
  obj({ source: { check: fileRef, required: true }, sha256: nullable(sha256) })(v, p, ctx);

export const sha256: Check = str({ min: 64, max: 64, pattern: /^[0-9a-fA-F]{64}$/, patternHint: 'is not a 64-digit hex sha256' });

const ORCID = /^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/;

const personFields = (family: Family, nameRequired: boolean): Fields => ({
  name: nameRequired ? { check: str(), required: true } : optStr,
  affiliation: optStr,
  email: nullable(str({ format: 'email' })),
  orcid: nullable((v, p, ctx) => {
    if (!str()(v, p, ctx)) return false;
    // An ORCID that looks wrong is still a string to the schema; warn, it is likely a typo.
    if (!ORCID.test(v as string)) ctx.warn(p, `${JSON.stringify(v)} does not look like an ORCID iD (0000-0000-0000-0000)`);
    return true;
  }),
  github_user: nullable(str()),
  ...(family === 'v03' ? {} : {}),
});

export const author = (family: Family): Check => obj(personFields(family, true), { what: 'author: {name, affiliation?, email?, orcid?, github_user?}' });
export const maintainer = (family: Family): Check =>
  obj({ ...personFields(family, false), github_user: { check: str(), required: true } }, { what: 'maintainer: {github_user, name?, …}' });

const DOI = /^10\.[0-9]{4}.+$/;

export const citeEntry =
  (family: Family): Check =>
  (v, p, ctx) => {
    const ok = obj({
      text: { check: str(), required: true },
      doi: nullable(str({ pattern: DOI, patternHint: 'is not a DOI (10.xxxx/…)' })),
      url: nullable(family === 'v03' ? url : str()),
    }, { what: 'citation: {text, doi?, url?}' })(v, p, ctx);
    if (ok && isObj(v) && v.doi == null && v.url == null) return fail(ctx, p, 'a citation needs a "doi" or a "url"');
    return ok;
  };

export const badge: Check = obj({ label: { check: str(), required: true }, url: { check: url, required: true }, icon: nullable(fileRef) });

export const COVER_EXTENSIONS = ['.gif', '.jpeg', '.jpg', '.png', '.svg', '.tif', '.tiff'];

export const cover: Check = (v, p, ctx) => {
  if (!fileRef(v, p, ctx)) return false;
  const ext = extensionOf(v as string);
  if (!COVER_EXTENSIONS.includes(ext.toLowerCase())) return fail(ctx, p, `cover ${JSON.stringify(v)} must be an image (${COVER_EXTENSIONS.join(' ')})`);
  return true;
};

export const documentation: Check = (v, p, ctx) => {
  if (!fileRef(v, p, ctx)) return false;
  if (!/\.md$/.test(stripQuery(v as string))) return fail(ctx, p, `documentation ${JSON.stringify(v)} must be a Markdown file ending in .md`);
  return true;
};

/** 0.2: any string, with a warning when not an SPDX id. 0.3: must be an SPDX id. */
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

export const uploader: Check = obj({ email: { check: str({ format: 'email' }), required: true }, name: optStr });

export const icon: Check = union(str({ min: 1, max: 2 }), fileRef);

/** 0.2 `attachments: {files: [...], ...}` (open mapping); 0.3: a list of FileDescr. */
export const attachments = (family: Family): Check =>
  family === 'v02' ? obj({ files: arr(fileRef) }, { closed: false }) : arr(fileDescr);

export const anyMapping: Check = mapping;
export const tags: Check = arr(str());
export const links: Check = arr(str());
export { any, bool, constant, int, nullable, num, str, arr, obj, union, Ctx };

export function extensionOf(ref: string): string {
  const s = stripQuery(ref);
  const base = s.slice(s.lastIndexOf('/') + 1);
  const i = base.lastIndexOf('.');
  return i < 0 ? '' : base.slice(i);
}

export function stripQuery(ref: string): string {
  return ref.replace(/[?#].*$/, '');
}
