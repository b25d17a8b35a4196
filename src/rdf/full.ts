/** Static validation plus referenced-file checks, merged into one result with YAML positions. */
import { checkFiles, type FileAccess, type FileCheckOptions } from './files.js';
import type { LoadedRdf } from './load.js';
import type { ValidationResult } from './types.js';
import { result, validateRdf } from './validate.js';

export interface FullOptions extends FileCheckOptions {
  /** Check referenced files (existence, sha256, test tensor shapes); needs `access`. Default true when access is given. */
  files?: boolean;
  access?: FileAccess;
}

export async function validateLoaded(loaded: LoadedRdf, opts: FullOptions = {}): Promise<ValidationResult> {
  const r = validateRdf(loaded.parsed);
  if (!opts.access || opts.files === false || r.type === undefined) return r;
  const fileIssues = await checkFiles(loaded.parsed.data, loaded.baseUrl, opts.access, opts);
  return result([...r.errors, ...r.warnings, ...fileIssues], loaded.parsed.data, r.type ? { type: r.type, format_version: r.format_version ?? '', majorMinor: '', patch: 0 } : undefined, loaded.parsed);
}
