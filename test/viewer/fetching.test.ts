import { describe, expect, it, vi } from 'vitest';
import type { AbsolutePath } from '@zarrita/storage';
import { ByteLru } from '../../src/io/byte-lru.js';
import { Limiter } from '../../src/viewer/limiter.js';
import { withFetching } from '../../src/viewer/fetching.js';

const bytes = (n: number) => new Uint8Array(n);

describe('ByteLru', () => {
  it('evicts least recently used entries to stay within the byte budget', () => {
    const c = new ByteLru(100);
    c.set('a', bytes(40));
    c.set('b', bytes(40));
    c.get('a'); // a is now the most recent
    c.set('c', bytes(40)); // 120 > 100: b goes
    expect([c.has('a'), c.has('b'), c.has('c')]).toEqual([true, false, true]);
    expect(c.bytes).toBe(80);
    c.set('huge', bytes(101)); // larger than the budget: not cached, nothing evicted
    expect(c.has('huge')).toBe(false);
    expect(c.bytes).toBe(80);
    c.set('a', bytes(10)); // replacing updates the total
    expect(c.bytes).toBe(50);
    c.set('missing', undefined); // a confirmed miss is remembered for free
    expect(c.has('missing')).toBe(true);
    expect(c.bytes).toBe(50);
  });
});

describe('Limiter', () => {
  it('never runs more than the limit, and drops queued jobs whose signal aborts', async () => {
    const lim = new Limiter(2);
    const started: number[] = [];
    const gates: (() => void)[] = [];
    const job = (i: number) => () =>
      new Promise<number>((resolve) => {
        started.push(i);
        gates.push(() => resolve(i));
      });
    const ctrl = new AbortController();
    const p = [lim.run(job(0)), lim.run(job(1)), lim.run(job(2), ctrl.signal), lim.run(job(3))];
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    ctrl.abort();
    await expect(p[2]).rejects.toThrow();
    gates[0]();
    gates[1]();
    // the freed slot goes to job 3 (job 2 was aborted) once the limiter hears of it
    await vi.waitFor(() => expect(started).toEqual([0, 1, 3]));
    gates[2]();
    expect(await Promise.all([p[0], p[1], p[3]])).toEqual([0, 1, 3]);
    expect(lim.peak).toBe(2);
    expect(lim.cancelled).toBe(1);
  });
});

describe('withFetching', () => {
  function slowStore() {
    const calls: string[] = [];
    const aborted: string[] = [];
    return {
      calls,
      aborted,
      async get(key: AbsolutePath, opts?: { signal?: AbortSignal }) {
        calls.push(key);
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, 30);
          opts?.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            aborted.push(key);
            reject(new DOMException('aborted', 'AbortError'));
          });
        });
        return new TextEncoder().encode(key);
      },
    };
  }

  it('shares one request between callers of the same key; aborts it only when all callers left', async () => {
    const inner = slowStore();
    const s = withFetching(inner, { concurrency: 4, cacheBytes: 0 });
    const a = new AbortController();
    const b = new AbortController();
    const pa = s.get('/k', { signal: a.signal });
    const pb = s.get('/k', { signal: b.signal });
    a.abort();
    await expect(pa).rejects.toThrow();
    expect(new TextDecoder().decode(await pb)).toBe('/k');
    expect(inner.calls).toEqual(['/k']);
    expect(inner.aborted).toEqual([]);
    const c = new AbortController();
    const pc = s.get('/j', { signal: c.signal });
    c.abort();
    await expect(pc).rejects.toThrow();
    // the shared request is aborted once its last caller left
    await vi.waitFor(() => expect(inner.aborted).toEqual(['/j']));
  });

  it('caches within the byte budget and limits concurrency', async () => {
    const inner = slowStore();
    const s = withFetching(inner, { concurrency: 3, cacheBytes: 1000 });
    const keys = Array.from({ length: 10 }, (_, i) => `/c/${i}` as AbsolutePath);
    await Promise.all(keys.map((k) => s.get(k)));
    expect(s.limiter.peak).toBe(3);
    await Promise.all(keys.map((k) => s.get(k)));
    expect(inner.calls.length).toBe(10);
    expect(s.cache!.bytes).toBeLessThanOrEqual(1000);
  });

  it('with caching off every read goes to the store', async () => {
    const inner = slowStore();
    const s = withFetching(inner, { concurrency: 3, cacheBytes: 0 });
    await s.get('/a');
    await s.get('/a');
    expect(inner.calls).toEqual(['/a', '/a']);
  });
});
