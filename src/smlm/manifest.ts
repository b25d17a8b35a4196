import type { SmlmFileEntry, SmlmFormat, SmlmManifest, Stats } from './types.js';

/** Parses and checks manifest.json text; errors name the archive. */
export function parseManifest(text: string, where: string): SmlmManifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: manifest.json is not valid JSON (${(e as Error).message})`);
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error(`${where}: manifest.json is not a JSON object`);
  const man = m as SmlmManifest;
  if (man.format_version === undefined) throw new Error(`${where}: manifest.json has no "format_version"`);
  if (!/^0\.2(\.\d+)?$/.test(String(man.format_version))) {
    throw new Error(`${where}: unsupported format_version "${man.format_version}" (this reader supports 0.2)`);
  }
  if (!man.formats || typeof man.formats !== 'object' || Array.isArray(man.formats)) {
    throw new Error(`${where}: manifest.json "formats" must be an object keyed by format name`);
  }
  if (!Array.isArray(man.files)) throw new Error(`${where}: manifest.json "files" must be a list`);
  man.files.forEach((f: SmlmFileEntry, i: number) => {
    if (!f || typeof f.name !== 'string') throw new Error(`${where}: manifest.json files[${i}] has no "name"`);
    if (typeof f.format !== 'string' || !man.formats[f.format]) {
      throw new Error(`${where}: manifest.json files[${i}] (${f.name}) refers to format "${f.format}", which "formats" does not define`);
    }
  });
  return man;
}

export const fileType = (f: SmlmFileEntry, fmt: SmlmFormat) => String(f.type ?? fmt.type ?? '');

/** Stats as written by the JS writer (dict by header) or the Python readers (list in header order). */
export function statsOf(v: unknown, headers: string[]): Stats {
  const out: Stats = {};
  if (Array.isArray(v)) headers.forEach((h, i) => typeof v[i] === 'number' && (out[h] = v[i]));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'number') out[k] = x;
  return out;
}

/** Units as written by the spec (list in header order) or the JS writer (dict). */
export function unitsOf(v: unknown, headers: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) headers.forEach((h, i) => typeof v[i] === 'string' && (out[h] = v[i]));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', tif: 'image/tiff', tiff: 'image/tiff' };
export function mimeOf(nameOrFormat: string): string {
  const ext = nameOrFormat.toLowerCase().replace(/^.*\./, '');
  return MIME[ext] ?? 'application/octet-stream';
}

/** Decodes a `data:<mime>;base64,<…>` URL (the way ShareLoc stores thumbnails). */
export function decodeDataUrl(url: string): { mime: string; bytes: Uint8Array } | undefined {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (!m) return undefined;
  const bytes = m[2] ? base64ToBytes(m[3]) : new TextEncoder().encode(decodeURIComponent(m[3]));
  return { mime: m[1] || 'application/octet-stream', bytes };
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
