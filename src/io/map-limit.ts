/**
 * `fn` over `items`, at most `limit` at once, results in order — the one concurrency pool of the
 * readers (ranges, spans, files, chunks). After a failure no new item starts; the first error is
 * the result. (The viewer's tile limiter is the other kind: a queue whose jobs can be cancelled.)
 * Five lines where p-map would be a dependency with its own AbortSignal and error-aggregation
 * semantics the callers do not need.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
