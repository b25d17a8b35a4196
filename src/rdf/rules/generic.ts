/**
 * Field tables for generic / application / dataset / notebook resources, format 0.2.x and 0.3.x
 * (spec generic/v0_2.py, v0_3.py and the per-type modules), in the spec's field order so that the
 * first error is the official first error. Models reuse the base tables.
 */
import { arr, type Check, type Fields, int, mapping, nullable, obj, str } from '../check.js';
import {
  attachments,
  author,
  authors02,
  badge,
  citeEntry,
  cover,
  documentation,
  fileRef,
  icon,
  license,
  links,
  maintainer,
  packagedFile,
  resourceId,
  tags,
  uploader,
  url,
  version,
  withSuffix,
} from './common.js';

const NAME_03 = str({ min: 5, max: 128, pattern: /^[A-Za-z0-9_+\- ()]+$/, patternHint: 'may only use letters, digits, spaces and _+-()' });

/** GenericModelDescrBase 0.2: fields common to every 0.2 resource and model 0.4, in order. */
export function modelBase02(): Fields {
  return {
    name: { check: str({ min: 1 }), required: true },
    description: { check: str(), required: true },
    covers: arr(cover),
    id_emoji: nullable(str({ min: 1, max: 1 })),
    authors: authors02,
    attachments: nullable(attachments('v02')),
    cite: arr(citeEntry('v02')),
    config: mapping,
    download_url: nullable(url),
    git_repo: nullable(str()),
    icon: nullable(icon),
    links,
    uploader: nullable(uploader),
    maintainers: arr(maintainer('v02')),
    rdf_source: nullable(fileRef),
    tags,
    version: nullable(version),
    version_number: nullable(int()),
  };
}

/** GenericDescrBase 0.2: adds format_version, badges, documentation, license. */
function base02(): Fields {
  return {
    ...modelBase02(),
    format_version: { check: formatVersion('0.2.4'), required: true },
    badges: arr(badge),
    documentation: nullable(documentation('v02')),
    license: nullable(license(false)),
  };
}

/** The description class accepts exactly its own format_version (after conversion). */
export const formatVersion =
  (implemented: string): Check =>
  (v, p, ctx) =>
    v === implemented || (ctx.error(p, `format_version must be "${implemented}" for this description, got ${JSON.stringify(v)}`), false);

const FAIR = 'needed for FAIR compliance (findable, citable resources)';

/** GenericModelDescrBase 0.3: fields common to every 0.3 resource and model 0.5; many are FAIR-recommended. */
export function modelBase03(): Fields {
  return {
    name: { check: NAME_03, required: true },
    description: { check: str({ max: 1024 }), recommended: FAIR },
    covers: { check: arr(cover), recommended: 'a cover image makes the resource recognisable in the zoo' },
    id_emoji: nullable(str({ min: 1, max: 2 })),
    authors: { check: arr(author('v03')), recommended: FAIR },
    attachments: attachments('v03'),
    cite: { check: arr(citeEntry('v03')), recommended: FAIR },
    license: { check: license(true), recommended: FAIR },
    git_repo: nullable(url),
    icon: nullable(icon),
    links,
    uploader: nullable(uploader),
    maintainers: arr(maintainer('v03')),
    tags: { check: tags, recommended: FAIR },
    version: nullable(version),
    version_comment: nullable(str({ max: 512 })),
  };
}

const config03: Check = obj({ bioimageio: mapping }, { extra: 'allow' });

/** GenericDescrBase 0.3. */
function base03(): Fields {
  return {
    ...modelBase03(),
    format_version: { check: formatVersion('0.3.0'), required: true },
    documentation: { check: documentation('v03'), recommended: FAIR },
    badges: arr(badge),
    config: config03,
  };
}

const KNOWN_SPECIFIC = ['application', 'collection', 'dataset', 'model', 'notebook'];

/** Generic resources must not claim a specific type (e.g. `collection`, removed in bioimageio.spec 0.5.3). */
const genericType: Check = (v, p, ctx) => {
  if (!str()(v, p, ctx)) return false;
  const t = (v as string).toLowerCase();
  if (KNOWN_SPECIFIC.includes(t)) {
    ctx.error(p, t === 'collection' ? 'the "collection" type is no longer supported (bioimageio.spec uses a separate collection description); as a generic resource it is invalid' : `use the ${t} description for a "${t}" resource, not the generic one`);
    return false;
  }
  return true;
};

const literal = (value: string): Check => (v, p, ctx) => v === value || (ctx.error(p, `must be ${JSON.stringify(value)}, got ${JSON.stringify(v)}`), false);

/** Per-type tail fields (type, id, parent, source) in the spec's order. */
function typeFields(kind: string, family: 'v02' | 'v03'): Fields {
  const id = { id: nullable(resourceId) };
  const parent: Fields = family === 'v03' ? { parent: nullable(resourceId) } : {};
  switch (kind) {
    case 'dataset':
      return { type: { check: literal('dataset'), required: true }, ...id, ...parent, source: nullable(url) };
    case 'application':
      return { type: { check: literal('application'), required: true }, ...id, ...parent, source: nullable(packagedFile) };
    case 'notebook':
      return { type: { check: literal('notebook'), required: true }, ...id, ...parent, source: { check: withSuffix(fileRef, ['.ipynb'], true), required: true } };
    default:
      return { type: genericType, ...id, ...parent, source: nullable(url) };
  }
}

const cache = new Map<string, Check>();
/** The checker of one description class; unknown types use the generic one, which ignores unknown fields. */
export function genericChecker(type: string, family: 'v02' | 'v03'): Check {
  const kind = ['dataset', 'application', 'notebook'].includes(type) ? type : 'generic';
  const key = `${kind}|${family}`;
  let c = cache.get(key);
  if (!c) {
    const fields = { ...(family === 'v02' ? base02() : base03()), ...typeFields(kind, family) };
    cache.set(key, (c = obj(fields, { extra: kind === 'generic' ? 'ignore' : 'forbid' })));
  }
  return c;
}

/** LinkedDataset (0.2: id + version_number; 0.3: id + version). */
export const linkedDataset = (family: 'v02' | 'v03'): Check =>
  obj(family === 'v02' ? { id: { check: resourceId, required: true }, version_number: nullable(int()) } : { id: { check: resourceId, required: true }, version: nullable(version) }, { what: 'a linked dataset {id}' });

