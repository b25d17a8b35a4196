/**
 * A concurrency limit whose queued jobs can be cancelled: a tile that left the view aborts its
 * signal, and if its request has not started yet it never starts (freeing the slot for a visible
 * tile); if it has started, the signal is passed on to fetch.
 */
export class Limiter {
  private running = 0;
  private queue: { start: () => void; signal?: AbortSignal; reject: (e: unknown) => void }[] = [];
  /** Jobs dropped from the queue because their signal aborted before they started. */
  cancelled = 0;
  /** Highest number of jobs seen running at once (tests check the limit holds). */
  peak = 0;

  constructor(readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new Error(`Limiter: concurrency must be ≥ 1, got ${concurrency}`);
  }

  get active(): number {
    return this.running;
  }

  get pending(): number {
    return this.queue.length;
  }

  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) {
      this.cancelled++;
      return Promise.reject(signal.reason ?? abortError());
    }
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        this.peak = Math.max(this.peak, this.running);
        job()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      };
      if (this.running < this.concurrency) start();
      else {
        const entry = { start, signal, reject };
        this.queue.push(entry);
        signal?.addEventListener(
          'abort',
          () => {
            const i = this.queue.indexOf(entry);
            if (i >= 0) {
              this.queue.splice(i, 1);
              this.cancelled++;
              reject(signal.reason ?? abortError());
            }
          },
          { once: true },
        );
      }
    });
  }

  private next(): void {
    while (this.running < this.concurrency && this.queue.length) {
      this.queue.shift()!.start();
    }
  }
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
