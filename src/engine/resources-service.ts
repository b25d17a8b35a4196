/**
 * The collection as a Hypha service (`imjoy-share-resources`): the same as HTTP /resources.
 */
import { searchCollection } from '../rdf/collection.js';
import type { ResourceCollection } from './resources.js';

const RESOURCES_SERVICE_ID = 'imjoy-share-resources';

/** A Python caller's keywords arrive as one trailing plain object (hypha-rpc JS 0.21.19). */
function arg(given: unknown[], name: string, index: number): unknown {
  const last = given[given.length - 1];
  if (last && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype && name in (last as object)) return (last as Record<string, unknown>)[name];
  const v = given[index];
  return v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? undefined : v;
}

export function resourcesService(collection: ResourceCollection) {
  return {
    id: RESOURCES_SERVICE_ID,
    name: 'imjoy-share resources',
    description: 'BioImage.IO resources (RDFs) of a collection: validated, with content ids for every file',
    config: { visibility: 'protected' },
    /** The entries; `query` searches as `imjoy-share rdf search` does (`type:model`, `tag:x`, words). */
    list_resources: async (...a: unknown[]) => {
      const entries = await collection.publicEntries();
      const q = arg(a, 'query', 0);
      return typeof q === 'string' && q ? searchCollection(entries, q) : entries;
    },
    get_resource: async (...a: unknown[]) => {
      const id = arg(a, 'id', 0);
      if (typeof id !== 'string' || !id) throw new Error('get_resource needs an id (list_resources() names them)');
      return collection.get(id);
    },
  };
}
