/**
 * The two levels of a validation, as bioimageio.spec separates them: the format (static rules,
 * `perform_io_checks=False`) decides `valid`; the referenced files (existence, sha256, test tensor
 * shapes) are a second level with their own errors and the checks that could not run.
 */
import { checkFiles, listFileRefs, type FileAccess, type FileCheckOptions, type SkippedFile } from './files.js';
import type { LoadedRdf } from './load.js';
import type { RdfIssue } from './types.js';
import { result, validateRdf, type FormatResult } from './validate.js';

export interface FullOptions extends FileCheckOptions {
  /** Check referenced files (existence, sha256, test tensor shapes); needs `access`. Default true when access is given. */
  files?: boolean;
  access?: FileAccess;
}

interface FilesReport {
  /** false when no file check ran (no file access, or turned off). */
  checked: boolean;
  /** How many referenced files there are, and how many of them were checked. */
  total: number;
  ran: number;
  errors: RdfIssue[];
  warnings: RdfIssue[];
  /** References whose check could not run (all of them when `checked` is false). */
  skipped: SkippedFile[];
}

export interface RdfReport extends FormatResult {
  /** `valid` is the format verdict; these are the same errors and warnings. */
  format: { valid: boolean; errors: RdfIssue[]; warnings: RdfIssue[]; converted_from?: string; checked_as?: string };
  files: FilesReport;
}

/** Exit-code verdict: the format is valid and no file check that ran failed (`strict`: and none was skipped). */
export function reportOk(r: RdfReport, strict = false): boolean {
  return r.valid && r.files.errors.length === 0 && (!strict || r.files.skipped.length === 0);
}

export async function validateLoaded(loaded: LoadedRdf, opts: FullOptions = {}): Promise<RdfReport> {
  const fmt = validateRdf(loaded.parsed);
  // Files are those of the document as checked (a converted 0.3 model names its weights as 0.4 does).
  const data = fmt.converted?.data ?? loaded.parsed.data;
  const refs = listFileRefs(data);
  const format = {
    valid: fmt.valid,
    errors: fmt.errors,
    warnings: fmt.warnings,
    ...(fmt.converted ? { converted_from: fmt.converted.from, checked_as: fmt.converted.to } : {}),
  };
  const notRun = (reason: string): FilesReport => ({ checked: false, total: refs.length, ran: 0, errors: [], warnings: [], skipped: refs.map((r) => ({ path: r.path, ref: r.ref, reason })) });
  if (!opts.access || opts.files === false || fmt.type === undefined) {
    const why = opts.files === false ? 'file checks turned off' : !opts.access ? 'no file access here (open the RDF by URL, as a package, or from disk)' : 'the RDF could not be read';
    return { ...fmt, format, files: notRun(why) };
  }
  const skipped: SkippedFile[] = [];
  const issues = await checkFiles(data, loaded.baseUrl, opts.access, { ...opts, skipped });
  const moved = fmt.converted?.moved ?? [];
  const positioned = result(issues, loaded.parsed.data, undefined, loaded.parsed, moved);
  return {
    ...fmt,
    format,
    files: { checked: true, total: refs.length, ran: refs.length - new Set(skipped.map((s) => s.path)).size, errors: positioned.errors, warnings: positioned.warnings, skipped },
  };
}
