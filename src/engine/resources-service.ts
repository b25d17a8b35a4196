/**
 * The collection as a Hypha service (`imjoy-share-resources`): the same as HTTP /resources.
 */
import { searchCollection } from '../rdf/collection.js';
import type { ResourceCollection } from './resources.js';
import { named } from './rpc-args.js';

const RESOURCES_SERVICE_ID = 'imjoy-share-resources';

export function resourcesService(collection: ResourceCollection) {
  return {
    id: RESOURCES_SERVICE_ID,
    name: 'imjoy-share resources',
    description: 'BioImage.IO resources (RDFs) of a collection: validated, with content ids for every file',
    config: { visibility: 'protected' },
    /** The entries; `query` searches as `imjoy-share rdf search` does (`type:model`, `tag:x`, words). */
    list_resources: async (...a: unknown[]) => {
      const entries = await collection.publicEntries();
      const { query: q } = named<{ query: string }>(a, ['query']);
      return typeof q === 'string' && q ? searchCollection(entries, q) : entries;
    },
    get_resource: async (...a: unknown[]) => {
      const { id } = named<{ id: string }>(a, ['id']);
      if (typeof id !== 'string' || !id) throw new Error('get_resource needs an id (list_resources() names them)');
      return collection.get(id);
    },
  };
}
