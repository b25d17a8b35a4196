import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';

/**
 * A reader for deploy/Dockerfile, enough to check it and to replay its stages without Docker
 * (test/deploy/dockerfile.test.ts, test/e2e/docker-cmd.e2e.test.ts): instructions with their
 * `--flag=value` options, exec-form (JSON) arguments, line continuations, global ARG defaults.
 */
export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  cmd: string;
  /** Leading `--name=value` options (`--from=build`, `--mount=…`, `--interval=30s`). */
  flags: Record<string, string>;
  /** The rest, as written (shell form). */
  rest: string;
  /** The rest parsed as JSON, when it is exec form (`["node", "-e", "…"]`). */
  exec?: string[];
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

const dockerfilePath = path.join(repoRoot, 'deploy', 'Dockerfile');

export function parseDockerfile(text: string): Stage[] {
  const lines = text.split('\n');
  const logical: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  lines.forEach((raw, i) => {
    const t = raw.trim();
    // comments and blank lines end nothing: Docker drops them, even inside a continuation
    if (t === '' || t.startsWith('#')) return;
    if (!current) current = { text: '', line: i + 1 };
    if (t.endsWith('\\')) {
      current.text += t.slice(0, -1) + ' ';
      return;
    }
    current.text += t;
    logical.push(current);
    current = undefined;
  });
  if (current) throw new Error(`Dockerfile ends inside a line continuation (line ${current.line})`);

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: l, line } of logical) {
    const m = /^(\w+)\s+(.*)$/s.exec(l);
    if (!m) throw new Error(`line ${line}: not an instruction: ${l}`);
    const cmd = m[1]!.toUpperCase();
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    for (let f: RegExpExecArray | null; (f = /^--([\w-]+)=(\S+)\s+/.exec(rest)); rest = rest.slice(f[0].length)) flags[f[1]!] = f[2]!;
    const ins: Instruction = { cmd, flags, rest, line };
    // HEALTHCHECK [options] CMD <command>: the command is what runs
    const body = cmd === 'HEALTHCHECK' ? rest.replace(/^CMD\s+/i, '') : rest;
    if (body.startsWith('[')) ins.exec = JSON.parse(body) as string[];
    if (cmd === 'ARG' && stages.length === 0) {
      const [k, v = ''] = rest.split('=', 2) as [string, string?];
      globalArgs[k] = v;
      continue;
    }
    if (cmd === 'FROM') {
      const [image, as, name] = rest.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? '').split(/\s+/);
      if (as && as.toUpperCase() !== 'AS') throw new Error(`line ${line}: FROM ${rest}`);
      stages.push({ image: image!, name, instructions: [] });
      continue;
    }
    if (!stages.length) throw new Error(`line ${line}: ${cmd} before FROM`);
    stages.at(-1)!.instructions.push(ins);
  }
  return stages;
}

export const readDockerfile = () => parseDockerfile(fs.readFileSync(dockerfilePath, 'utf8'));

/** `ENV a=1 b=2` (unquoted or double-quoted values) → { a: '1', b: '2' }. */
export function envOf(ins: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of ins.rest.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) out[m[1]!] = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
  return out;
}

/** The commands of a shell-form RUN, split on `&&`, each as words (no quoting is used in ours). */
export function runSegments(ins: Instruction): string[][] {
  if (ins.exec) return [ins.exec];
  return ins.rest.split('&&').map((s) => s.trim().split(/\s+/));
}

/** The directories a RUN segment makes (`mkdir -p a b`, `install -d [-o u] [-g g] a b`), with the owner. */
export function madeDirs(seg: string[]): { dir: string; owner?: string }[] | undefined {
  if (seg[0] === 'mkdir') return seg.slice(1).filter((w) => !w.startsWith('-')).map((dir) => ({ dir }));
  if (seg[0] !== 'install' || !seg.includes('-d')) return undefined;
  const out: { dir: string; owner?: string }[] = [];
  let owner: string | undefined;
  for (let i = 1; i < seg.length; i++) {
    if (seg[i] === '-o' || seg[i] === '-g' || seg[i] === '-m') {
      if (seg[i] === '-o') owner = seg[i + 1];
      i++;
    } else if (!seg[i]!.startsWith('-')) out.push({ dir: seg[i]! });
  }
  return out.map((d) => ({ ...d, owner }));
}

/** The last instruction `cmd` of a stage (USER, CMD, ENTRYPOINT, WORKDIR, … take the last one). */
export function last(stage: Stage, cmd: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.cmd === cmd).at(-1);
}

/** The value after `--flag` in an argument list. */
export function flagValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * .dockerignore patterns: each is matched against the whole path from the context root, `*` within
 * one path segment, `**` across segments; a match excludes everything under it too. (Ours uses no
 * `!` exceptions; they are refused rather than misread.)
 */
export function dockerIgnore(text: string): (file: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => {
      if (p.startsWith('!')) throw new Error(`.dockerignore exceptions (${p}) are not supported by this reader`);
      const body = p
        .replace(/^\/+|\/+$/g, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\/|\*\*|\*|\?/g, (t) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[t]!);
      return new RegExp(`^${body}(/.*)?$`);
    });
  return (file) => patterns.some((re) => re.test(file));
}
