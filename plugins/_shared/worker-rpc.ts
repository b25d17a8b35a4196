/**
 * The one RPC between a plugin and its web worker: calls by method name with transferable
 * arguments and results, events on the way (progress, tables as they are parsed), cancellation.
 * Hand-written rather than comlink: comlink would need a proxied callback per event stream and a
 * proxied abort function per call, which this protocol carries as plain messages.
 *
 * Messages: → {id, method, args} and {cancel: id}; ← {id, event}, {id, result} or {id, error, name}.
 */

interface CallContext {
  signal: AbortSignal;
  /** An event for the caller of this call (transferables moved, not copied). */
  emit(event: unknown, transfer?: Transferable[]): void;
}

/** A result with buffers to move to the caller instead of copying. */
export function transferred<T>(value: T, transfer: Transferable[]): { value: T; transfer: Transferable[]; __transferred: true } {
  return { value, transfer, __transferred: true };
}

type Method = (args: any, ctx: CallContext) => unknown;

interface WorkerScope {
  onmessage: ((ev: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/** Worker side: answers calls with `methods`. */
export function serveWorker(methods: Record<string, Method>, scope: WorkerScope = self as unknown as WorkerScope): void {
  const aborts = new Map<number, AbortController>();
  scope.onmessage = async (ev) => {
    const m = ev.data as { id: number; method: string; args: unknown; cancel?: number };
    if (m.cancel !== undefined) return void aborts.get(m.cancel)?.abort();
    const ac = new AbortController();
    aborts.set(m.id, ac);
    try {
      const fn = methods[m.method];
      if (!fn) throw new Error(`unknown method ${m.method}`);
      const out = (await fn(m.args, { signal: ac.signal, emit: (event, transfer = []) => scope.postMessage({ id: m.id, event }, transfer) })) as unknown;
      const t = out as { __transferred?: true; value: unknown; transfer: Transferable[] } | undefined;
      if (t?.__transferred) scope.postMessage({ id: m.id, result: t.value }, t.transfer);
      else scope.postMessage({ id: m.id, result: out });
    } catch (e) {
      scope.postMessage({ id: m.id, error: String((e as Error)?.message ?? e), name: (e as Error)?.name });
    } finally {
      aborts.delete(m.id);
    }
  };
}

interface WorkerCall<T> {
  id: number;
  result: Promise<T>;
  cancel(): void;
}

/** Main side: a client of a worker that runs `serveWorker`. */
export function workerClient(w: Worker) {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; onEvent?: (e: any) => void }>();
  w.addEventListener('message', (ev) => {
    const m = ev.data as { id: number; event?: unknown; result?: unknown; error?: string; name?: string };
    const p = pending.get(m.id);
    if (!p) return;
    if ('event' in m) {
      try {
        p.onEvent?.(m.event);
      } catch (e) {
        // a handler that fails ends the call (the worker's later messages are dropped)
        pending.delete(m.id);
        p.reject(e as Error);
      }
      return;
    }
    pending.delete(m.id);
    if (m.error !== undefined) {
      const e = new Error(m.error);
      e.name = m.name ?? 'Error';
      p.reject(e);
    } else p.resolve(m.result);
  });
  return {
    call<T>(method: string, args: unknown = {}, opts: { transfer?: Transferable[]; onEvent?: (e: any) => void } = {}): WorkerCall<T> {
      const id = nextId++;
      const result = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent: opts.onEvent }));
      w.postMessage({ id, method, args }, opts.transfer ?? []);
      return { id, result, cancel: () => w.postMessage({ cancel: id }) };
    },
  };
}

/** A worker started from the text of a script on another origin (plugin frames run on another one). */
export async function workerFromUrl(url: string): Promise<Worker> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Worker(URL.createObjectURL(new Blob([await res.text()], { type: 'text/javascript' })));
}
