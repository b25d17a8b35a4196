/**
 * Field tables for generic / application / dataset / notebook resources, format 0.2.x and 0.3.x
 * (spec generic/v0_2.py, v0_3.py and the per-type modules). Models reuse the base tables.
 */
import { any, arr, type Check, type Fields, int, mapping, nullable, obj, str } from '../check.js';
import {
  attachments,
  author,
  badge,
  citeEntry,
  cover,
  documentation,
  fileRef,
  icon,
  license,
  links,
  maintainer,
  tags,
  uploader,
  url,
  version,
} from './common.js';

const NAME_03 = str({ min: 5, max: 128, pattern: /^[A-Za-z0-9_+\- ()]+$/, patternHint: 'may only use letters, digits, spaces and _+-()' });

/** Fields common to every 0.2 resource (also the base of model 0.4). */
export function base02(): Fields {
  return {
    format_version: { check: str(), required: true },
    type: { check: str(), required: true },
    name: { check: str({ min: 1 }), required: true },
    description: { check: str(), required: true },
    covers: arr(cover),
    id_emoji: nullable(str({ min: 1, max: 1 })),
    authors: arr(author('v02')),
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
    badges: arr(badge),
    documentation: nullable(documentation),
    license: nullable(license(false)),
    id: nullable(str({ min: 1 })),
  };
}

const FAIR = 'needed for FAIR compliance (findable, citable resources)';

/** Fields common to every 0.3 resource (also the base of model 0.5); many are FAIR-recommended. */
export function base03(): Fields {
  return {
    format_version: { check: str(), required: true },
    type: { check: str(), required: true },
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
    documentation: { check: documentation, recommended: FAIR },
    badges: arr(badge),
    config: obj({ bioimageio: mapping }, { closed: false }),
    id: nullable(str({ min: 1 })),
    parent: nullable(str({ min: 1 })),
  };
}

/** Per-type extra fields (the `source` of applications, datasets, notebooks). */
export function typeFields(type: string, family: 'v02' | 'v03'): Fields {
  switch (type) {
    case 'dataset':
      return { source: nullable(url) };
    case 'application':
      return { source: nullable(fileRef) };
    case 'notebook':
      return { source: { check: fileRef, required: true } };
    default:
      // generic: free-form type; the spec allows arbitrary extra fields only via config.
      return family === 'v02' ? { source: nullable(fileRef) } : { source: nullable(fileRef) };
  }
}

const cache = new Map<string, Check>();
export function genericChecker(type: string, family: 'v02' | 'v03'): Check {
  const known = ['dataset', 'application', 'notebook'].includes(type) ? type : 'generic';
  const key = `${known}|${family}`;
  let c = cache.get(key);
  if (!c) cache.set(key, (c = obj({ ...(family === 'v02' ? base02() : base03()), ...typeFields(known, family) })));
  return c;
}

export const linkedDataset = (family: 'v02' | 'v03'): Check =>
  obj(family === 'v02' ? { id: { check: str({ min: 1 }), required: true }, version_number: nullable(int()) } : { id: { check: str({ min: 1 }), required: true }, version: nullable(version) });

export { any };
