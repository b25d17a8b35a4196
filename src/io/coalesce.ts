import { mapLimit } from './map-limit.js';
import type { ByteRange, ByteSource, OnBytes } from './byte-source.js';

export type { ByteRange };

export interface CoalesceOptions {
  /**
   * Merge two ranges when the hole between them is at most this many bytes. Negative: no
   * coalescing at all, not even into a multi-range request (one request per range).
   */
  maxGap?: number;
  /** Never merge into a single read larger than this. */
  maxRead?: number;
  /** How many merged reads may be in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called with each range as soon as its read arrives (so callers can decode while later reads are in flight). */
  onPart?: (index: number, bytes: Uint8Array) => void;
}

/** Groups ranges (in any order) into as few reads as the gap and size limits allow. */
export function planReads(ranges: ByteRange[], maxGap = 64 * 1024, maxRead = 16 * 1024 * 1024) {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const groups: { offset: number; end: number; members: number[] }[] = [];
  for (const i of order) {
    const r = ranges[i];
    const g = groups[groups.length - 1];
    const end = r.offset + r.length;
    if (g && r.offset - g.end <= maxGap && Math.max(g.end, end) - g.offset <= maxRead) {
      g.end = Math.max(g.end, end);
      g.members.push(i);
    } else {
      groups.push({ offset: r.offset, end, members: [i] });
    }
  }
  return groups;
}

/**
 * Reads many ranges of one source with few requests: neighbours separated by small gaps are read
 * together and sliced apart; a source with `readMany` (HTTP) gets all groups at once, so groups
 * far apart share a request where the server takes multi-range requests. Results come back in
 * the order of `ranges`.
 */
export async function readRanges(
  source: ByteSource,
  ranges: ByteRange[],
  opts: CoalesceOptions = {},
): Promise<Uint8Array[]> {
  const groups = planReads(ranges, opts.maxGap, opts.maxRead);
  const out: Uint8Array[] = new Array(ranges.length);
  const deliver = (g: (typeof groups)[number], block: Uint8Array) => {
    for (const i of g.members) {
      const start = ranges[i].offset - g.offset;
      out[i] = block.subarray(start, start + ranges[i].length);
      opts.onPart?.(i, out[i]);
    }
  };
  if (source.readMany && groups.length > 1 && (opts.maxGap ?? 0) >= 0) {
    await source.readMany(
      groups.map((g) => ({ offset: g.offset, length: g.end - g.offset })),
      { signal: opts.signal, concurrency: opts.concurrency, onRange: (k, block) => deliver(groups[k], block) },
    );
    return out;
  }
  await mapLimit(groups, opts.concurrency ?? 6, async (g) => deliver(g, await source.read(g.offset, g.end - g.offset, opts.signal)));
  return out;
}

/**
 * Overlapping and touching ranges merged into spans (sorted, disjoint); `members[k]`: the indexes
 * of the ranges in span k, in offset order. Empty ranges belong to no span.
 */
export function mergeTouching(ranges: readonly ByteRange[]): { spans: ByteRange[]; members: number[][] } {
  const order = ranges.map((_, i) => i).filter((i) => ranges[i].length > 0).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const spans: ByteRange[] = [];
  const members: number[][] = [];
  for (const i of order) {
    const r = ranges[i];
    const s = spans[spans.length - 1];
    if (s && r.offset <= s.offset + s.length) {
      s.length = Math.max(s.length, r.offset + r.length - s.offset);
      members[members.length - 1].push(i);
    } else {
      spans.push({ offset: r.offset, length: r.length });
      members.push([i]);
    }
  }
  return { spans, members };
}

/**
 * Hands `bytes` (file offset `pos`) to every range of `members` (indexes into `ranges`, in offset
 * order) that they overlap, as `onBytes(i, at, slice)`.
 */
export function handOver(ranges: readonly ByteRange[], members: readonly number[], pos: number, bytes: Uint8Array, onBytes: OnBytes): void {
  const end = pos + bytes.length;
  // members hold tens of ranges at most (one coalesced read): a scan is cheap enough
  for (const i of members) {
    const r = ranges[i];
    if (r.offset >= end) break;
    const a = Math.max(pos, r.offset), b = Math.min(end, r.offset + r.length);
    if (b > a) onBytes(i, a - r.offset, a === pos && b === end ? bytes : bytes.subarray(a - pos, b - pos));
  }
}

/**
 * Hands the bytes of many ranges of one source to `onBytes(i, at, bytes)` as they arrive, read in
 * the same groups as `readRanges` (the gap bytes between neighbours are skipped, not delivered).
 * Over a source with `readStream` (HTTP) no range is ever gathered into a buffer of its own:
 * callers that scatter bytes into a destination (uncompressed image chunks into a region) copy
 * each byte once, straight from the transport's receive buffer. Other sources read each group
 * and hand over each range whole. `bytes` is valid only during the call; a byte may be handed
 * over twice, always with the same value.
 */
export async function streamRanges(source: ByteSource, ranges: ByteRange[], onBytes: OnBytes, opts: CoalesceOptions = {}): Promise<void> {
  if (!source.readStream) {
    await readRanges(source, ranges, { ...opts, onPart: (i, b) => onBytes(i, 0, b) });
    return;
  }
  const groups = planReads(ranges, opts.maxGap, opts.maxRead);
  const spans = groups.map((g) => ({ offset: g.offset, length: g.end - g.offset }));
  const deliver = (k: number, at: number, bytes: Uint8Array) => handOver(ranges, groups[k].members, groups[k].offset + at, bytes, onBytes);
  const stream = source.readStream.bind(source);
  if ((opts.maxGap ?? 0) >= 0) {
    await stream(spans, deliver, { signal: opts.signal, concurrency: opts.concurrency });
    return;
  }
  // no coalescing asked for: one request per range, not even a multi-range one
  await mapLimit(spans, opts.concurrency ?? 6, (span, k) => stream([span], (_j, at, b) => deliver(k, at, b), { signal: opts.signal }));
}
