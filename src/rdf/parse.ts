/**
 * Parse an RDF (BioImage.IO resource description, YAML 1.2) keeping source positions, so every
 * validation issue can point at a line. Uses the `yaml` package (eemeli): YAML 1.2 core schema,
 * which reads `1e-05` as a number and timestamps as strings (PyYAML/js-yaml 4 defaults do not).
 *
 * Hostile input is bounded before and during parsing: text size, alias expansion (billion-laughs)
 * and nesting depth each fail fast with an error naming the file.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { indentQuotedContinuations, tabAfterBlockValue } from './yaml-compat.js';

type RdfPath = readonly (string | number)[];

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ParsedRdf {
  /** Plain JS value of the document (objects, arrays, strings, numbers, booleans, null). */
  data: unknown;
  /** The yaml Document, with node ranges into the text. */
  doc: Document.Parsed;
  /** Position of the node at `path` (the key, for a map entry); undefined when the path does not exist. */
  positionOf(path: RdfPath): SourcePosition | undefined;
  /** Position of `path` or, when it does not exist (e.g. a missing field), of its deepest existing parent. */
  nearestPosition(path: RdfPath): SourcePosition;
}

export interface ParseLimits {
  /** Maximum text length in UTF-16 code units (≈ bytes for YAML). Default 10 MiB. */
  maxBytes?: number;
  /** Maximum resolved alias count (yaml's own billion-laughs guard). Default 100. */
  maxAliasCount?: number;
  /** Maximum nesting depth of collections. Default 64; real RDFs are < 12 deep. */
  maxDepth?: number;
}

export const DEFAULT_PARSE_LIMITS: Required<ParseLimits> = {
  maxBytes: 10 * 1024 * 1024,
  maxAliasCount: 100,
  maxDepth: 64,
};

/** Raised for input that is not usable YAML (syntax, limits); `line`/`column` when known. */
export class RdfParseError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly position?: SourcePosition,
  ) {
    super(`${file}${position ? `:${position.line}:${position.column}` : ''}: ${reason}`);
    this.name = 'RdfParseError';
  }
}

export function parseRdf(text: string, opts: { name: string } & ParseLimits): ParsedRdf {
  const limits = { ...DEFAULT_PARSE_LIMITS, ...stripUndefined(opts) };
  const name = opts.name;
  if (typeof text !== 'string') throw new RdfParseError(name, 'RDF text must be a string');
  if (text.length > limits.maxBytes) {
    throw new RdfParseError(
      name,
      `file is ${(text.length / 1048576).toFixed(1)} MB; RDF files are limited to ${(limits.maxBytes / 1048576).toFixed(0)} MB`,
    );
  }
  const flowDepth = maxFlowDepth(text, limits.maxDepth);
  if (flowDepth.exceeded) {
    throw new RdfParseError(name, `YAML nesting deeper than ${limits.maxDepth} levels`, flowDepth.position);
  }
  let lineCounter = new LineCounter();
  // uniqueKeys: a duplicated key silently overwrites in some readers; the official loader (ruyaml) rejects it.
  const compose = (t: string): Document.Parsed => {
    lineCounter = new LineCounter();
    try {
      return parseDocument(t, { lineCounter, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
    } catch (e) {
      // The composer recurses per nesting level; a stack overflow means hostile nesting.
      if (e instanceof RangeError) throw new RdfParseError(name, `YAML nesting too deep to read (${e.message})`);
      throw new RdfParseError(name, `YAML error: ${firstLine((e as Error).message)}`);
    }
  };
  let doc = compose(text);
  let composed = text;
  if (doc.errors.some((e) => e.code === 'MISSING_CHAR' && /quote/.test(e.message))) {
    const repaired = indentQuotedContinuations(text);
    const again = repaired === undefined ? undefined : compose(repaired);
    if (again && again.errors.length === 0) {
      doc = again;
      composed = repaired!;
    } else doc = compose(text);
  }
  const pos = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    if (/call stack/i.test(e.message)) throw new RdfParseError(name, 'YAML nesting too deep to read', pos(e.pos[0]));
    throw new RdfParseError(name, `YAML syntax error: ${firstLine(e.message)}`, pos(e.pos[0]));
  }
  const tab = tabAfterBlockValue(doc, composed);
  if (tab !== undefined) throw new RdfParseError(name, "YAML syntax error: a tab after a value cannot start any token (the official YAML loader rejects it; use spaces)", pos(tab));
  checkDepth(doc.contents as Node | null, limits.maxDepth, name, pos);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
  } catch (e) {
    const msg = (e as Error).message;
    if (/alias/i.test(msg)) {
      throw new RdfParseError(name, `YAML alias expansion exceeds the limit (${limits.maxAliasCount}); refusing a possible alias bomb`);
    }
    throw new RdfParseError(name, `YAML error: ${firstLine(msg)}`);
  }

  const locate = (path: RdfPath): { found: boolean; offset: number } => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyOf(p.key) === String(seg));
        if (!pair) return { found: false, offset };
        offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const i = typeof seg === 'number' ? seg : Number(seg);
        const item = Number.isInteger(i) ? node.items[i] : undefined;
        if (item === undefined) return { found: false, offset };
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        return { found: false, offset };
      }
    }
    return { found: true, offset };
  };

  return {
    data,
    doc,
    positionOf(path) {
      const r = locate(path);
      return r.found ? pos(r.offset) : undefined;
    },
    nearestPosition(path) {
      return pos(locate(path).offset);
    },
  };
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? r[0] : undefined;
}

/** Iterative walk (no recursion, so a deeply nested document cannot overflow the stack here). */
function checkDepth(root: Node | null, maxDepth: number, name: string, pos: (o: number) => SourcePosition): void {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth > maxDepth) {
        const o = rangeStart(node);
        throw new RdfParseError(name, `YAML nesting deeper than ${maxDepth} levels`, o === undefined ? undefined : pos(o));
      }
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          stack.push([item.value, depth + 1]);
          stack.push([item.key, depth + 1]);
        } else stack.push([item, depth + 1]);
      }
    }
  }
}

/**
 * Flow collections ([ and {) are composed recursively by the parser, so very deep flow nesting
 * would take seconds and end in a stack overflow; a linear pre-scan rejects it first. Quoted
 * strings and comments are skipped; brackets inside plain scalars may over-count, which only
 * matters for text with dozens of unclosed brackets.
 */
function maxFlowDepth(text: string, limit: number): { exceeded: boolean; position?: SourcePosition } {
  let depth = 0;
  let line = 1;
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    col++;
    if (c === 10) {
      line++;
      col = 0;
      continue;
    }
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) {
        if (text.charCodeAt(i) === 92) i++;
        if (text.charCodeAt(i) === 10) line++;
      }
    } else if (c === 39 /* ' */ && (i === 0 || /[\s[{,:-]/.test(text[i - 1]!))) {
      for (i++; i < text.length && !(text.charCodeAt(i) === 39 && text.charCodeAt(i + 1) !== 39); i++) {
        if (text.charCodeAt(i) === 39) i++;
        if (text.charCodeAt(i) === 10) line++;
      }
    } else if (c === 35 /* # */ && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 10) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return { exceeded: true, position: { line, column: col } };
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return { exceeded: false };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
