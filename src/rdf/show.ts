/** Plain-text rendering of a card and a validation result (CLI `rdf show` / `rdf validate`). */
import type { Card } from './card.js';
import type { RdfReport } from './full.js';
import type { RdfIssue, } from './types.js';

function formatIssue(i: RdfIssue, file?: string): string {
  const where = i.line !== undefined ? `${file ? file + ':' : ''}${i.line}:${i.column}` : file ?? '';
  return `${where ? where + ' ' : ''}${i.severity === 'error' ? 'error' : 'warning'} ${i.path || '(root)'}: ${i.message}`;
}

/** Both levels: the format verdict (the official one) and what the file checks found or skipped. */
export function formatReport(r: RdfReport, file: string, strict = false): string {
  const f = r.files;
  const conv = r.format.converted_from ? ` (converted ${r.format.converted_from} → ${r.format.checked_as}, as the official library does)` : '';
  const lines = [`${file}: ${r.type ?? '?'} ${r.format_version ?? '?'}${conv}`];
  lines.push(`  format: ${r.valid ? 'valid' : 'INVALID'} (${r.errors.length} error(s), ${r.warnings.length} warning(s))`);
  for (const i of [...r.errors, ...r.warnings]) lines.push('    ' + formatIssue(i, file));
  if (!f.checked) lines.push(`  files: not checked (${f.skipped[0]?.reason ?? 'no referenced files'}; ${f.total} referenced)${strict && f.skipped.length ? ' — fails with --strict' : ''}`);
  else {
    lines.push(`  files: ${f.errors.length ? 'PROBLEMS' : 'ok'} (${f.ran} of ${f.total} checked, ${f.errors.length} error(s), ${f.skipped.length} could not be checked)`);
    for (const i of [...f.errors, ...f.warnings]) lines.push('    ' + formatIssue(i, file));
  }
  return lines.join('\n');
}

export function formatCard(c: Card): string {
  const out: string[] = [];
  const row = (k: string, v: string | undefined) => v && out.push(`${(k + ':').padEnd(14)}${v}`);
  out.push(`${c.name}  [${c.type} ${c.format_version}]`);
  if (c.description) out.push(c.description, '');
  row('id', c.id);
  row('version', c.version);
  row('license', c.license);
  row('authors', c.authors.map((a) => a.name ?? a.github_user).filter(Boolean).join(', '));
  row('maintainers', c.maintainers.map((a) => a.github_user ?? a.name).filter(Boolean).join(', '));
  row('tags', c.tags.join(', '));
  row('documentation', c.documentation);
  row('git_repo', c.git_repo);
  row('source', c.source);
  if (c.covers.length) row('covers', c.covers.join('\n' + ' '.repeat(14)));
  for (const ci of c.cite) out.push(`cite:         ${ci.text}${ci.href ? ` <${ci.href}>` : ''}`);
  for (const [title, ts] of [['inputs', c.inputs], ['outputs', c.outputs]] as const) {
    if (!ts.length) continue;
    out.push('', `${title}:`);
    for (const t of ts) {
      out.push(`  ${t.id}  ${t.dtype}${t.range ? ' ' + t.range : ''}${t.description ? ` — ${t.description}` : ''}`);
      out.push(`    axes: ${t.axes.map((a) => `${a.id}=${a.size}${a.scale ? ` (scale ${a.scale})` : ''}${a.halo ? ` (halo ${a.halo})` : ''}`).join(', ')}`);
      if (t.processing.length) out.push(`    ${title === 'inputs' ? 'pre' : 'post'}processing: ${t.processing.join(' → ')}`);
      if (t.testTensor) out.push(`    test tensor: ${t.testTensor}`);
    }
  }
  if (c.weights.length) {
    out.push('', 'weights:');
    for (const w of c.weights) {
      out.push(`  ${w.format}: ${w.source}${w.parent ? ` (converted from ${w.parent})` : ''}`);
      if (w.sha256) out.push(`    sha256 ${w.sha256}`);
      if (w.details.length) out.push(`    ${w.details.join('; ')}`);
    }
  }
  if (c.attachments.length) out.push('', 'attachments:', ...c.attachments.map((a) => `  ${a.source}`));
  return out.join('\n');
}
