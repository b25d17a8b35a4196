// Bundled into a page by codecs.browser.test.ts: zarrita + our codec registry in a real browser.
import * as zarr from 'zarrita';
import { registerCodecs } from '../../src/codecs/index.js';

registerCodecs();
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
(window as any).readLevel = async (level: number) => {
  const store = {
    async get(key: string) {
      const b64: string | null = await (window as any).getKey(key.replace(/^\//, ''));
      return b64 === null ? undefined : fromB64(b64);
    },
  };
  const arr = await zarr.open.v2(zarr.root(store).resolve(String(level)), { kind: 'array' });
  const { data, shape } = await zarr.get(arr);
  const view = data as unknown as ArrayBufferView;
  const u8 = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return { shape, b64: btoa(s) };
};
