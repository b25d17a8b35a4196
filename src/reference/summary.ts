import type { References } from './types.js';

export interface ArraySummary {
  path: string;
  shape: number[];
  dtype: string;
  chunks: number[];
  codec: string;
  chunkRefs: number;
}

/** What a reference set describes, from its metadata alone (no data is read). */
export function summarizeReferences(refs: References): { arrays: ArraySummary[]; axes: string[]; channels: string[]; jsonBytes: number } {
  const keys = Object.keys(refs.refs);
  const arrays = keys
    .filter((k) => k.endsWith('.zarray'))
    .map((k) => {
      const path = k.slice(0, -'.zarray'.length).replace(/\/$/, '');
      const m = JSON.parse(refs.refs[k] as string) as { shape: number[]; dtype: string; chunks: number[]; compressor: { id: string } | null; filters: { id: string }[] | null };
      const prefix = path ? `${path}/` : '';
      return {
        path: path || '/',
        shape: m.shape,
        dtype: m.dtype,
        chunks: m.chunks,
        codec: [...(m.filters ?? []).map((f) => f.id), m.compressor?.id ?? 'none'].join(' + '),
        chunkRefs: keys.filter((c) => c.startsWith(prefix) && Array.isArray(refs.refs[c]) && !c.slice(prefix.length).includes('/.')).length,
      };
    })
    .sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true }));
  const attrs = typeof refs.refs['.zattrs'] === 'string' ? (JSON.parse(refs.refs['.zattrs']) as Record<string, any>) : {};
  const axes = (attrs.multiscales?.[0]?.axes ?? []).map((a: { name: string }) => a.name);
  const channels = (attrs.omero?.channels ?? []).map((c: { label?: string }) => c.label ?? '');
  return { arrays, axes, channels, jsonBytes: JSON.stringify(refs).length };
}
