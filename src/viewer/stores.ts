/**
 * Store adapters the viewer reads through (all zarrita `AsyncReadable`s):
 * - an OME-Zarr directory over HTTP (zarrita's FetchStore, with errors that name URL and status);
 * - a zarr.js-style store object passed over ImJoy RPC (`getItem`/`containsItem`, `_rintf: true`),
 *   as Python (zarr-python stores) and JavaScript callers pass them.
 */
import * as zarr from 'zarrita';
import type { AbsolutePath, AsyncReadable } from '@zarrita/storage';
import { SourceError } from '../io/byte-source.js';
import { displayUrl } from '../io/http-source.js';

function statusMessage(status: number): string {
  if (status === 403) return 'access denied (HTTP 403): the pre-signed URL may have expired';
  if (status === 404) return 'not found (HTTP 404)';
  if (status === 401) return 'authentication required (HTTP 401)';
  return `HTTP ${status}`;
}

/** A zarr hierarchy under an http(s) URL: 404 is a missing key (zarr semantics), other failures throw. */
export function urlStore(url: string, opts: { fetch?: typeof fetch } = {}): AsyncReadable {
  const doFetch = opts.fetch ?? ((r: Request) => globalThis.fetch(r));
  const base = url.replace(/\/+$/, '');
  return new zarr.FetchStore(base, {
    fetch: async (req: Request) => {
      let res: Response;
      try {
        res = await (doFetch as (r: Request) => Promise<Response>)(req);
      } catch (e) {
        if (req.signal?.aborted) throw e;
        throw new SourceError(displayUrl(req.url), `request failed: ${(e as Error).message}`);
      }
      if (res.status !== 404 && !res.ok) {
        await res.body?.cancel().catch(() => {});
        throw new SourceError(displayUrl(req.url), statusMessage(res.status), res.status);
      }
      return res;
    },
  });
}

export interface RpcStoreLike {
  getItem(key: string): Promise<unknown> | unknown;
  containsItem?(key: string): Promise<boolean> | boolean;
  keys?(): Promise<string[]> | string[];
}

export function isRpcStore(x: unknown): x is RpcStoreLike {
  return !!x && typeof (x as RpcStoreLike).getItem === 'function';
}

/** Bytes from what a zarr.js / zarr-python store hands back through RPC. */
function toBytes(v: unknown, where: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return new TextEncoder().encode(v);
  // imjoy-rpc may deliver bytes from Python as {_rtype: 'bytes', _rvalue} when not decoded
  const r = v as { _rvalue?: unknown };
  if (r && typeof r === 'object' && r._rvalue !== undefined) return toBytes(r._rvalue, where);
  if (v && typeof v === 'object') return new TextEncoder().encode(JSON.stringify(v));
  throw new Error(`${where}: getItem returned ${v === null ? 'null' : typeof v}, not bytes`);
}

const METADATA = /(^|\/)(\.zarray|\.zattrs|\.zgroup|\.zmetadata|zarr\.json)$/;

export function rpcStore(obj: RpcStoreLike, name = 'store object'): AsyncReadable {
  const contains = async (k: string) => (obj.containsItem ? Boolean(await obj.containsItem(k)) : undefined);
  return {
    async get(key: AbsolutePath) {
      const k = key.slice(1);
      // zarrita probes metadata keys that may not exist; asking first avoids error round trips.
      if (METADATA.test(k) && (await contains(k)) === false) return undefined;
      let v: unknown;
      try {
        v = await obj.getItem(k);
      } catch (e) {
        if ((await contains(k)) === false) return undefined;
        const msg = String((e as Error)?.message ?? e);
        if (/KeyError|not found|does not exist/i.test(msg) && obj.containsItem === undefined) return undefined;
        throw new SourceError(name, `getItem("${k}") failed: ${msg}`);
      }
      if (v === undefined || v === null) return undefined;
      return toBytes(v, `${name}: key "${k}"`);
    },
  };
}
