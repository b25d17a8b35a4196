/** Flags shared by `serve` and `engine`: the model pool's, and remote images. */
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

/** `--image name=url` (repeatable) → the engine's remote images. */
export function collectImages(value: string, previous: { name: string; url: string }[]): { name: string; url: string }[] {
  const i = value.indexOf('=');
  if (i <= 0 || !/^https?:\/\//i.test(value.slice(i + 1))) throw new Error(`--image ${value}: expected name=https://…`);
  return [...previous, { name: value.slice(0, i), url: value.slice(i + 1) }];
}
