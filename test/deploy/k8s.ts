import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../helpers/paths.js';

/** A rendered Kubernetes object, as plain data. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };

const overlaysDir = path.join(repoRoot, 'deploy', 'k8s', 'overlays');

/** `kubectl kustomize deploy/k8s/overlays/<name>` (offline: kustomize needs no cluster), parsed. */
export function render(overlay: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(overlaysDir, overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((d) => {
    if (d.errors.length) throw d.errors[0];
    return d.toJS() as K8sObject;
  });
}

export function only(objs: K8sObject[], kind: string): K8sObject {
  const found = objs.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

/**
 * The value a container's env var gets from the kubelet: a literal, a Secret key (from `secrets`;
 * a missing optional key leaves it unset, a missing required one is an error as on a cluster), or
 * the pod's name.
 */
export function resolveEnv(container: any, secrets: Record<string, Record<string, string>>, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const v = secrets[ref.name]?.[ref.key];
      if (v !== undefined) env[e.name] = v;
      else if (!ref.optional) throw new Error(`env ${e.name}: secret ${ref.name} has no key ${ref.key} and the ref is not optional`);
    } else if (e.valueFrom?.fieldRef) {
      if (e.valueFrom.fieldRef.fieldPath !== 'metadata.name') throw new Error(`env ${e.name}: fieldRef ${e.valueFrom.fieldRef.fieldPath} not emulated`);
      env[e.name] = podName;
    } else if (e.valueFrom) {
      throw new Error(`env ${e.name}: ${Object.keys(e.valueFrom)} not emulated`);
    } else env[e.name] = e.value ?? '';
  }
  return env;
}

/** `$(VAR)` in container args, expanded from the container's env as the kubelet does. */
export const expandArgs = (args: string[], env: Record<string, string>) => args.map((a) => a.replace(/\$\((\w+)\)/g, (m, k: string) => env[k] ?? m));

export interface CliOption {
  flag: string;
  /** `<value>` (required), `[value]` (optional) or none (a switch). */
  value?: 'required' | 'optional';
}

/** The options `imjoy-share <command> --help` lists, read from the real CLI's help text. */
export function cliHelp(command: string): { text: string; options: Map<string, CliOption> } {
  const text = execFileSync(process.execPath, [path.join(repoRoot, 'bin', 'imjoy-share.mjs'), command, '--help'], { encoding: 'utf8' });
  const options = new Map<string, CliOption>();
  for (const m of text.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)(?: (<[^>]+>|\[[^\]]+\]))?/gm)) {
    options.set(m[1]!, { flag: m[1]!, value: m[2] ? (m[2].startsWith('<') ? 'required' : 'optional') : undefined });
  }
  return { text, options };
}

/**
 * Checks `args` (`[command, ...options]`) against the command's help: every `--flag` is listed,
 * one that takes a value has one, no stray words. Returns the problems (empty when fine).
 */
export function argProblems(args: string[], options: Map<string, CliOption>): string[] {
  const problems: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.split(/=(.*)/s, 2) as [string, string?];
    const opt = options.get(flag);
    if (!opt) {
      problems.push(a.startsWith('--') ? `${flag} is not an option of \`${args[0]}\`` : `stray word ${JSON.stringify(a)}`);
      continue;
    }
    if (opt.value === 'required' && inline === undefined) {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) problems.push(`${flag} needs a value`);
      else i++;
    } else if (!opt.value && inline !== undefined) problems.push(`${flag} takes no value`);
  }
  return problems;
}
