/** The model pool's flags, shared by `serve` and `engine`. */
export interface ModelFlags {
  modelConcurrency?: number;
  modelQueue?: number;
  modelTimeout?: number;
}

export function modelOptions(f: ModelFlags): { concurrency?: number; queueLimit?: number; timeoutMs?: number } {
  const check = (name: string, v: number | undefined, min: number) => {
    if (v !== undefined && (!Number.isFinite(v) || v < min)) throw new Error(`--${name} ${v}: expected a number ≥ ${min}`);
    return v;
  };
  const timeout = check('model-timeout', f.modelTimeout, 0.001);
  return {
    concurrency: check('model-concurrency', f.modelConcurrency, 1),
    queueLimit: check('model-queue', f.modelQueue, 0),
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
  };
}
