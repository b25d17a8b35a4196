/**
 * Where npm `yaml` and the official loader (ruyaml, safe mode) disagree on real RDFs, follow the
 * official loader, so that a file is readable here exactly when bioimageio.spec can read it.
 */
import { isCollection, isScalar, visit, type Document } from 'yaml';

/**
 * ruyaml (like PyYAML) skips only spaces between tokens, so a tab after a value in block context
 * ("found character '\t' that cannot start any token") is a syntax error there; npm `yaml` takes
 * it as whitespace. Returns the offset of the first such tab.
 */
export function tabAfterBlockValue(doc: Document.Parsed, text: string): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Node(_key, node, path) {
      if (found !== undefined) return visit.BREAK;
      if (path.some((p) => isCollection(p) && p.flow)) return;
      const flowCollection = isCollection(node) && node.flow;
      if (!(isScalar(node) && (node.type === 'PLAIN' || node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE')) && !flowCollection) return;
      const end = node.range?.[1];
      if (end === undefined) return;
      const m = /^ *\t/.exec(text.slice(end, end + 256));
      if (m) found = end + m[0].length - 1;
      return flowCollection ? visit.SKIP : undefined;
    },
  });
  return found;
}

/**
 * ruyaml accepts a quoted scalar whose continuation lines are indented no deeper than its key
 * (seen in hand-written RDFs); YAML 1.2, and so npm `yaml`, requires them to be indented further.
 * Indents such lines just enough, keeping every line where it was, so positions stay right.
 * Returns undefined when nothing needed repair.
 */
export function indentQuotedContinuations(text: string): string | undefined {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const open = openQuoteAtEnd(lines[i]!);
    if (!open) continue;
    const keyIndent = blockIndent(lines[i]!);
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      const lead = l.length - l.trimStart().length;
      if (l.trim() !== '' && lead <= keyIndent) {
        lines[j] = ' '.repeat(keyIndent + 1 - lead) + l;
        changed = true;
      }
      if (closesQuote(l, open)) {
        i = j;
        break;
      }
    }
  }
  return changed ? lines.join('\n') : undefined;
}

/** Indentation of the mapping a line belongs to ("  - key: " counts the "- " as indentation). */
function blockIndent(line: string): number {
  const m = /^([ ]*(?:-[ ]+)*)/.exec(line)!;
  return m[1]!.length;
}

/** The quote character of a `key: 'value…` (or `- 'value…`) whose quoted scalar is still open at the end of the line. */
function openQuoteAtEnd(line: string): "'" | '"' | undefined {
  const m = /^[ ]*(?:-[ ]+)*(?:[^'"#\s][^:#]*:[ ]+|-[ ]+)?(['"])(.*)$/.exec(line);
  if (!m) return undefined;
  const q = m[1] as "'" | '"';
  return closesQuote(m[2]!, q) ? undefined : q;
}

function closesQuote(s: string, q: "'" | '"'): boolean {
  for (let k = 0; k < s.length; k++) {
    if (q === '"' && s[k] === '\\') k++;
    else if (s[k] === q) {
      if (q === "'" && s[k + 1] === "'") k++;
      else return true;
    }
  }
  return false;
}
