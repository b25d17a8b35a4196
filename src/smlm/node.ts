/**
 * Node-only additions to the .smlm reader: importing this module makes table inflation use Node's
 * zlib with large output chunks (the browser keeps DecompressionStream / fflate).
 */
import zlib from 'node:zlib';
import { registerInflater, type RawInflater } from './inflate.js';

/**
 * Inflates on libuv's thread pool. Output chunks are handed to `onData` from a setImmediate queue,
 * not inside zlib's callback, so the next chunk inflates while the previous one is de-interleaved
 * (the stream pauses while more than `maxQueued` bytes wait, keeping memory bounded).
 */
export function zlibInflater(onData: (chunk: Uint8Array) => void, maxQueued = 1 << 23): RawInflater {
  const z = zlib.createInflateRaw({ chunkSize: 1 << 20 });
  let error: unknown;
  const queue: Buffer[] = [];
  let queued = 0;
  let scheduled = false;
  let ended = false;
  let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {});
  const fail = (e: unknown) => {
    error ??= e;
    queue.length = 0;
    settle!.reject(error);
  };
  const maybeDone = () => {
    if (ended && !queue.length && !error) settle!.resolve();
  };
  const drain = () => {
    scheduled = false;
    while (queue.length && !error) {
      const d = queue.shift()!;
      queued -= d.byteLength;
      try {
        onData(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      } catch (e) {
        fail(e);
        z.destroy();
        return;
      }
    }
    if (z.isPaused() && !error) z.resume();
    maybeDone();
  };
  z.on('data', (d: Buffer) => {
    queue.push(d);
    queued += d.byteLength;
    if (queued > maxQueued) z.pause();
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  });
  z.on('end', () => {
    ended = true;
    if (!scheduled) maybeDone();
  });
  z.on('error', fail);
  return {
    async push(chunk) {
      if (error) throw error;
      // Raced with `done`: after a zlib error the write callback may never come.
      await Promise.race([new Promise<void>((resolve, reject) => z.write(chunk, (e) => (e ? reject(error ?? e) : resolve()))), done]);
      if (error) throw error;
    },
    async end() {
      if (error) throw error;
      z.end();
      await done;
    },
  };
}

registerInflater(zlibInflater);
