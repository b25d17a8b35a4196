/**
 * Collections: the legacy `collection.json` (bioimage-io/collection-bioimage-io: {collection: [...]}),
 * the backoffice `index.json` ({items: [...]}), a collection RDF (type: collection, `collection:` list
 * of entries), or a plain list. Normalised to entries that can be listed and searched.
 */
import { isObj } from './check.js';
import { resolveRef } from './load.js';

export interface CollectionEntry {
  id: string;
  type: string;
  name: string;
  description: string;
  tags: string[];
  authors: string[];
  license?: string;
  /** RDF location when known (absolute URL or path resolved against the collection). */
  rdf_source?: string;
  versions?: string[];
}

class CollectionError extends Error {}

export function readCollection(data: unknown, baseUrl = ''): CollectionEntry[] {
  let items: unknown[];
  if (Array.isArray(data)) items = data;
  else if (isObj(data) && Array.isArray(data.collection)) items = data.collection;
  else if (isObj(data) && Array.isArray(data.items)) items = data.items;
  else if (isObj(data) && Array.isArray(data.resources)) items = data.resources;
  else throw new CollectionError('not a collection: expected a list, or a mapping with "collection", "items" or "resources"');
  return items.filter(isObj).map((e, i) => {
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const versions = Array.isArray(e.versions) ? e.versions.map((v) => (isObj(v) ? String(v.version ?? v.version_name ?? '') : String(v))).filter(Boolean) : undefined;
    const lastVersion = Array.isArray(e.versions) && isObj(e.versions[0]) ? str(e.versions[0].source) ?? str(e.versions[0].rdf_source) : undefined;
    const src = str(e.rdf_source) ?? str(e.source) ?? lastVersion;
    return {
      id: str(e.id) ?? str(e.nickname) ?? `entry-${i}`,
      type: str(e.type) ?? 'generic',
      name: str(e.name) ?? str(e.nickname) ?? str(e.id) ?? `entry ${i}`,
      description: str(e.description) ?? '',
      tags: Array.isArray(e.tags) ? e.tags.map(String) : [],
      authors: Array.isArray(e.authors) ? e.authors.map((a) => (isObj(a) ? String(a.name ?? '') : String(a))) : [],
      license: str(e.license),
      rdf_source: src ? resolveRef(baseUrl, src) : undefined,
      versions,
    };
  });
}

/**
 * Case-insensitive search: every whitespace-separated term must match name, id, description, tags
 * or authors; `type:model` / `tag:x` restrict fields. Results keep collection order.
 */
export function searchCollection(entries: CollectionEntry[], query: string): CollectionEntry[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  return entries.filter((e) =>
    terms.every((t) => {
      const [field, value] = t.includes(':') ? (t.split(/:(.*)/) as [string, string]) : [undefined, t];
      if (field === 'type') return e.type.toLowerCase() === value;
      if (field === 'tag') return e.tags.some((x) => x.toLowerCase() === value);
      if (field === 'license') return (e.license ?? '').toLowerCase() === value;
      const hay = [e.id, e.name, e.description, ...e.tags, ...e.authors].join('\n').toLowerCase();
      return hay.includes(t);
    }),
  );
}
