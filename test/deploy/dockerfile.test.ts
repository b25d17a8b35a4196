/**
 * deploy/Dockerfile read as Docker reads it (no Docker engine here): what it copies exists in the
 * build context (this repo, less .dockerignore), the stages fit together, the final image runs as
 * an unprivileged user with a healthcheck on the port its command serves. What its command does
 * in a plain Node install is test/e2e/docker-cmd.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { dockerIgnore, envOf, flagValue, last, madeDirs, parseDockerfile, readDockerfile, runSegments, type Stage } from './dockerfile.js';

const stages = readDockerfile();
const final = stages.at(-1)!;
const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
/** The files a clone has: tracked, plus new ones git does not ignore (as test/helpers/fresh-copy.ts). */
const cloneFiles = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && fs.existsSync(path.join(repoRoot, f)));
const ignored = dockerIgnore(fs.readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8'));
const runs = (stage: Stage) => stage.instructions.filter((i) => i.cmd === 'RUN').flatMap(runSegments);

describe('deploy/Dockerfile', () => {
  it('is read back the way Docker reads it (continuations, flags, exec form, global ARGs)', () => {
    const s = parseDockerfile(
      ['ARG IMG=node:20', 'FROM $IMG AS one', '# c', 'RUN --mount=type=cache,target=/x a \\', '  # inner comment', '  && b', 'FROM one', 'HEALTHCHECK --retries=2 \\', ' CMD ["x", "y z"]'].join('\n'),
    );
    expect(s.map((x) => [x.image, x.name])).toEqual([
      ['node:20', 'one'],
      ['one', undefined],
    ]);
    expect(s[0]!.instructions[0]).toMatchObject({ cmd: 'RUN', flags: { mount: 'type=cache,target=/x' }, rest: 'a  && b' });
    expect(s[1]!.instructions[0]).toMatchObject({ cmd: 'HEALTHCHECK', flags: { retries: '2' }, exec: ['x', 'y z'] });
    expect(() => parseDockerfile('RUN x')).toThrow(/before FROM/);
  });

  it('builds in one stage and runs from a second, on the Node the package supports', () => {
    expect(stages.length).toBe(2);
    const [build] = stages;
    expect(build!.name).toBe('build');
    for (const s of stages) {
      const major = Number(/^node:(\d+)/.exec(s.image)?.[1]);
      expect(major, s.image).toBeGreaterThanOrEqual(Number(/>=\s*(\d+)/.exec(pkg.engines.node)![1]));
    }
    // the build stage packs the package as npm publishes it; the final one installs runtime deps only
    expect(runs(build!).some((seg) => seg[0] === 'npm' && seg[1] === 'ci')).toBe(true);
    expect(runs(build!).some((seg) => seg[0] === 'npm' && seg[1] === 'pack')).toBe(true);
    const finalNpm = runs(final).filter((seg) => seg[0] === 'npm');
    expect(finalNpm).toHaveLength(1);
    expect(finalNpm[0]!.slice(0, 2)).toEqual(['npm', 'ci']);
    expect(finalNpm[0]).toContain('--omit=dev');
  });

  it('copies only what exists: context files a clone has and .dockerignore keeps, or a named earlier stage', () => {
    const copies = stages.flatMap((s, i) => s.instructions.filter((ins) => ins.cmd === 'COPY' || ins.cmd === 'ADD').map((ins) => ({ ins, stage: i })));
    expect(copies.length).toBeGreaterThan(0);
    for (const { ins, stage } of copies) {
      expect(ins.cmd, 'COPY, not ADD').toBe('COPY');
      const words = ins.exec ?? ins.rest.split(/\s+/);
      const sources = words.slice(0, -1);
      expect(sources.length).toBeGreaterThan(0);
      if (ins.flags.from) {
        // from an earlier stage by name: its paths are that stage's output (the e2e test replays it)
        expect(stages.slice(0, stage).map((s) => s.name)).toContain(ins.flags.from);
        continue;
      }
      for (const src of sources) {
        const rel = path.posix.normalize(src).replace(/\/$/, '');
        if (rel === '.') continue;
        expect(ignored(rel), `${src} is dockerignored`).toBe(false);
        expect(
          cloneFiles.some((f) => f === rel || f.startsWith(rel + '/')),
          `COPY ${src}: not in the build context`,
        ).toBe(true);
      }
    }
  });

  it('.dockerignore keeps this machine’s node_modules and dist out and every file of a clone in', () => {
    for (const f of ['node_modules', 'node_modules/esbuild/package.json', 'dist/cli.mjs', '.cache/rpc.json', '.git/HEAD']) expect(ignored(f), f).toBe(true);
    expect(cloneFiles.length).toBeGreaterThan(100);
    expect(cloneFiles.filter(ignored)).toEqual([]);
  });

  it('runs as an unprivileged user that can write its cache; /data exists to mount the images on', () => {
    const user = last(final, 'USER')!.rest;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // USER comes after the last RUN: nothing the container runs is root
    const lastRun = final.instructions.lastIndexOf(last(final, 'RUN')!);
    expect(lastRun).toBeGreaterThan(0);
    expect(lastRun).toBeLessThan(final.instructions.lastIndexOf(last(final, 'USER')!));
    const env = Object.assign({}, ...final.instructions.filter((i) => i.cmd === 'ENV').map(envOf));
    const made = runs(final).flatMap((seg) => madeDirs(seg) ?? []);
    expect(made.find((d) => d.dir === env.IMJOY_SHARE_CACHE)?.owner).toBe(user);
    const cmd = last(final, 'CMD')!.exec!;
    expect(made.map((d) => d.dir)).toContain(flagValue(cmd, '--data'));
  });

  it('starts the CLI of the package, serving on the port it exposes and health-checks', () => {
    const workdir = last(final, 'WORKDIR')!.rest;
    expect(last(final, 'ENTRYPOINT')!.exec).toEqual(['node', path.posix.join(workdir, pkg.bin['imjoy-share'])]);
    const cmd = last(final, 'CMD')!.exec!;
    expect(cmd[0]).toBe('serve');
    const port = Number(flagValue(cmd, '--port'));
    expect(flagValue(cmd, '--host')).toBe('0.0.0.0');
    expect(last(final, 'EXPOSE')!.rest.split(/\s+/).map(Number)).toEqual([port, port + 1]);
    const hc = last(final, 'HEALTHCHECK')!;
    // exec form with node: the slim image has no curl or wget
    expect(hc.exec?.slice(0, 2)).toEqual(['node', '-e']);
    expect(hc.exec![2]).toContain(`http://127.0.0.1:${port}/health`);
  });
});
