/**
 * The import graph of src/, by folder: no cycles (data flows one way: cli, server and engine use the
 * concerns; demo generators use them too; no concern imports a user of it), and src/ never imports
 * plugins/, host/ or test/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

const src = path.join(repoRoot, 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : /\.ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports (static, dynamic, type-only, re-exports) of a file, resolved to paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts'));
}

/** Every cycle found by a depth-first search, each as the imports along it. */
function findCycles(edges: Map<string, Map<string, string>>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') {
        const loop = [...stack.slice(stack.indexOf(m)), m];
        cycles.push(loop.slice(0, -1).map((x, i) => edges.get(x)!.get(loop[i + 1]!)).join(', '));
      } else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

const folderOf = (file: string) => {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : '(src)';
};

describe('import graph', () => {
  const files = sources(src);
  const edges = new Map<string, Map<string, string>>();
  for (const f of files) {
    for (const t of importsOf(f)) {
      const [a, b] = [folderOf(f), folderOf(t)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, `${path.relative(repoRoot, f)} → ${path.relative(repoRoot, t)}`);
    }
  }

  it('has no cycle between the folders of src/', () => {
    expect(findCycles(edges)).toEqual([]);
  });

  it('keeps src/ free of plugins/, host/ and test/', () => {
    const banned = ['plugins', 'host', 'test'].map((d) => path.join(repoRoot, d) + path.sep);
    const outside = files.flatMap((f) => importsOf(f).filter((t) => banned.some((b) => t.startsWith(b))).map((t) => `${path.relative(repoRoot, f)} → ${path.relative(repoRoot, t)}`));
    expect(outside).toEqual([]);
  });

  it('sees the imports it judges, and finds a cycle when there is one', () => {
    expect(edges.get('engine')?.has('http')).toBe(true);
    expect(edges.get('server')?.has('engine')).toBe(true);
    const made = new Map([...edges].map(([k, v]) => [k, new Map(v)]));
    made.get('http')?.set('server', 'made up') ?? made.set('http', new Map([['server', 'made up']]));
    expect(findCycles(made).length).toBeGreaterThan(0);
  });
});
