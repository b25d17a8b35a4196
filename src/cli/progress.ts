import cliProgress from 'cli-progress';
import type { ProgressCallback } from '../progress.js';

/**
 * A progress bar on stderr for long CLI work. Quiet when stderr is not a TTY (CI, pipes, tests),
 * so machine-readable stdout and logs stay clean.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY) return { update: (() => {}) as ProgressCallback, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: `${label} [{bar}] {percentage}% {value}/{total}`, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const update: ProgressCallback = (done, total) => {
    if (!started) {
      bar.start(total, done);
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(done);
    }
  };
  return { update, stop: () => started && bar.stop() };
}
