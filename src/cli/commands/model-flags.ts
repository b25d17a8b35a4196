import type { Command } from 'commander';

/** Flags shared by `serve` and `engine`: remote images, the model pool's, the origin allowlist. */
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
function collectImages(value: string, previous: { name: string; url: string }[]): { name: string; url: string }[] {
  const i = value.indexOf('=');
  if (i <= 0 || !/^https?:\/\//i.test(value.slice(i + 1))) throw new Error(`--image ${value}: expected name=https://…`);
  return [...previous, { name: value.slice(0, i), url: value.slice(i + 1) }];
}

/** The engine's options `serve` and `engine` both take (after their own `--data` and `--collection`). */
export function engineFlags(cmd: Command): Command {
  return cmd
    .option('--image <name=url...>', 'also serve an image from elsewhere under name: a TIFF or zipped Zarr URL (S3 pre-signed too) or <zip URL>#<member.tif>; its origin must be allowed', collectImages, [])
    .option('--model-concurrency <n>', 'model calls run at once (default 1)', (v) => Number(v))
    .option('--model-queue <n>', 'model calls waiting behind them before more are refused with 429 (default 8)', (v) => Number(v))
    .option('--model-timeout <seconds>', 'time limit of one model call, waiting included (default 120)', (v) => Number(v))
    .option('--allow-origin <origin...>', 'origins the engine may fetch from besides Zenodo, GitHub and $AWS_ENDPOINT_URL (host name, *.domain, or http(s)://host:port)');
}
