/**
 * The engine's zarr stores as a Hypha service (`imjoy-share-zarr`): the same stores as HTTP
 * `/zarr/<file>/` and `/zarr-decoded/<file>/`, key by key over RPC. `store(image)` hands out a
 * Vizarr-style store object (`getItem`/`containsItem`, `_rintf`) that a caller passes on as the
 * Reference Viewer's `source`: the viewer then reads the chunks it shows from the engine.
 */
import { named } from './rpc-args.js';
import type { ZarrMode, ZarrView } from './zarr-view.js';

export interface ImageCatalog {
  list(): { name: string; size: number }[];
  view(name: string, mode: ZarrMode): Promise<ZarrView | undefined>;
}

const ZARR_SERVICE_ID = 'imjoy-share-zarr';

/** What `store(image)` returns: an image of a zarr service, to pass as a viewer `source`. */
export interface ZarrServiceSource {
  zarr_service: string;
  image: string;
  decoded: boolean;
}

export function isZarrServiceSource(x: unknown): x is ZarrServiceSource {
  const o = x as ZarrServiceSource;
  return !!o && typeof o === 'object' && typeof o.zarr_service === 'string' && typeof o.image === 'string';
}

/** A missing image or key: the message says KeyError, as zarr stores over RPC signal it. */
class KeyMissing extends Error {
  constructor(what: string) {
    super(`KeyError: ${what}`);
  }
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v) throw new Error(`${what} must be a non-empty string`);
  return v;
}

type ItemArgs = { image: string; key: string; decoded: boolean };

export function zarrService(images: ImageCatalog) {
  const view = async (image: string, decoded: unknown) => {
    const v = await images.view(image, decoded ? 'decoded' : 'stored');
    if (!v) throw new KeyMissing(`no image ${image}; list_images() names the served ones`);
    return v;
  };
  const getItem = async (image: string, key: string, decoded: unknown) => {
    const bytes = await (await view(image, decoded)).get(key);
    if (bytes === undefined) throw new KeyMissing(`${image} has no key ${key}`);
    return bytes;
  };
  const containsItem = async (image: string, key: string, decoded: unknown) => {
    const v = await images.view(image, decoded ? 'decoded' : 'stored');
    return !!v && v.has(key);
  };
  return {
    id: ZARR_SERVICE_ID,
    name: 'imjoy-share zarr stores',
    description: 'TIFF/OME-TIFF/BigTIFF and zipped Zarr files served as zarr v2 stores (NGFF 0.4), key by key',
    config: { visibility: 'protected' },
    list_images: () => images.list(),
    get_item: async (...a: unknown[]) => {
      const { image, key, decoded } = named<ItemArgs>(a, ['image', 'key', 'decoded']);
      return getItem(text(image, 'image'), text(key, 'key'), decoded);
    },
    contains_item: async (...a: unknown[]) => {
      const { image, key, decoded } = named<ItemArgs>(a, ['image', 'key', 'decoded']);
      return containsItem(text(image, 'image'), text(key, 'key'), decoded);
    },
    /**
     * One image as the Reference Viewer's `source`: a description (service id + image) that the
     * host page turns into a store reading through its own connection. Store functions themselves
     * cannot be handed on: hypha-rpc lets only the client that asked call them back.
     */
    store: async (...a: unknown[]) => {
      const { image, decoded } = named<Omit<ItemArgs, 'key'>>(a, ['image', 'decoded']);
      const name = text(image, 'image');
      await view(name, decoded); // a missing image fails here, not at the viewer's first read
      return { zarr_service: ZARR_SERVICE_ID, image: name, decoded: !!decoded } satisfies ZarrServiceSource;
    },
  };
}
