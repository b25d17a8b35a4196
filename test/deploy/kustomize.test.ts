/**
 * The Kubernetes manifests as a cluster would get them: each overlay rendered by `kubectl
 * kustomize` (offline), every object validated against the Kubernetes API schemas
 * (kubernetes-models), then what makes the pods work: the container runs flags the real CLI
 * lists, probes hit /health on the port `serve` listens on, Secrets are referenced by the names
 * and keys the docs tell users to create, the pods run unprivileged on a read-only root, the
 * Service and the HPA reach the Deployment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';
import { flagValue, last, readDockerfile } from './dockerfile.js';
import { argProblems, type CliOption, cliHelp, type K8sObject, only, render } from './k8s.js';

const models: Record<string, { new (data: any): { validate(): void } }> = {
  'apps/v1 Deployment': Deployment,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1 Ingress': Ingress,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'v1 Service': Service,
};

/** Throws with the schema's message when `obj` is not a valid object of its kind. */
function validate(obj: K8sObject) {
  const Model = models[`${obj.apiVersion} ${obj.kind}`];
  if (!Model) throw new Error(`no schema here for ${obj.apiVersion} ${obj.kind} (add its kubernetes-models class)`);
  new Model(obj).validate();
}

const podSpec = (d: K8sObject) => d.spec.template.spec;
const container = (d: K8sObject) => {
  const cs = podSpec(d).containers;
  expect(cs).toHaveLength(1);
  return cs[0];
};
const envByName = (c: any) => new Map<string, any>((c.env ?? []).map((e: any) => [e.name, e]));
/** A probe's or Service's port: a number, or the name of one of the container's ports. */
const portNumber = (c: any, port: number | string) => (typeof port === 'number' ? port : c.ports?.find((p: any) => p.name === port)?.containerPort);

/** The environment variables src/s3/config.ts and src/engine/origins.ts read (`env.X`). */
const s3EnvNames = () =>
  new Set(['src/s3/config.ts', 'src/engine/origins.ts'].flatMap((f) => [...fs.readFileSync(path.join(repoRoot, f), 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!)));

let standalone: K8sObject[];
let workers: K8sObject[];
let serveHelp: { text: string; options: Map<string, CliOption> };
let engineHelp: { text: string; options: Map<string, CliOption> };

beforeAll(() => {
  standalone = render('standalone');
  workers = render('workers');
  serveHelp = cliHelp('serve');
  engineHelp = cliHelp('engine');
});

describe('every object of both overlays', () => {
  it('is valid against the Kubernetes API schema, and the validator rejects a broken one', () => {
    const kinds = (objs: K8sObject[]) => objs.map((o) => o.kind).sort();
    expect(kinds(standalone)).toEqual(['Deployment', 'Ingress', 'PersistentVolumeClaim', 'Service']);
    expect(kinds(workers)).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim']);
    for (const o of [...standalone, ...workers]) expect(() => validate(o), `${o.kind} ${o.metadata.name}`).not.toThrow();

    // the validator is live: a port given as text and a Deployment without its selector fail
    const broken = structuredClone(only(standalone, 'Deployment'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(() => validate(broken)).toThrow(/containerPort must be integer/);
    const noSelector = structuredClone(only(workers, 'Deployment'));
    delete noSelector.spec.selector;
    expect(() => validate(noSelector)).toThrow(/selector/);
  });

  it('runs unprivileged, with a read-only root, writable /cache and /tmp, and bounded resources', () => {
    for (const d of [only(standalone, 'Deployment'), only(workers, 'Deployment')]) {
      const pod = podSpec(d);
      const c = container(d);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext.privileged ?? false).toBe(false);
      for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) expect(c.resources?.[kind]?.[r], `${d.metadata.name} ${kind}.${r}`).toBeTruthy();

      // the engine writes its cache at $IMJOY_SHARE_CACHE and temp files in /tmp: both emptyDirs
      const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
      const cache = envByName(c).get('IMJOY_SHARE_CACHE')?.value;
      for (const dir of [cache, '/tmp']) {
        const mount = c.volumeMounts.find((m: any) => m.mountPath === dir);
        expect(mount, `${d.metadata.name}: a volume at ${dir}`).toBeDefined();
        expect(mount.readOnly ?? false).toBe(false);
        expect(volumes.get(mount.name)?.emptyDir).toBeDefined();
      }
    }
  });

  it('mounts the images read-only from a claim the overlay creates, at the folder --data names', () => {
    for (const objs of [standalone, workers]) {
      const d = only(objs, 'Deployment');
      const c = container(d);
      const mount = c.volumeMounts.find((m: any) => m.mountPath === flagValue(c.args, '--data'));
      expect(mount?.readOnly).toBe(true);
      const claim = podSpec(d).volumes.find((v: any) => v.name === mount.name).persistentVolumeClaim.claimName;
      expect(only(objs, 'PersistentVolumeClaim').metadata.name).toBe(claim);
    }
    // workers on several nodes need a claim many nodes can mount
    expect(only(workers, 'PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('takes S3 settings from the optional Secret imjoy-share-s3, under names the code reads', () => {
    const known = s3EnvNames();
    expect(known).toContain('AWS_ACCESS_KEY_ID');
    for (const d of [only(standalone, 'Deployment'), only(workers, 'Deployment')]) {
      const s3 = (container(d).env as any[]).filter((e) => e.valueFrom?.secretKeyRef?.name === 'imjoy-share-s3');
      expect(s3.map((e) => e.name)).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL']));
      for (const e of s3) {
        expect(known, `${e.name} is read by src/s3/config.ts or src/engine/origins.ts`).toContain(e.name);
        expect(e.valueFrom.secretKeyRef).toEqual({ name: 'imjoy-share-s3', key: e.name, optional: true });
      }
    }
  });
});

describe('standalone overlay (imjoy-share serve)', () => {
  it('runs the image default command, with flags `serve --help` lists', () => {
    const c = container(only(standalone, 'Deployment'));
    expect(c.command).toBeUndefined(); // the image's ENTRYPOINT (node bin/imjoy-share.mjs)
    expect(c.args[0]).toBe('serve');
    expect(argProblems(c.args, serveHelp.options)).toEqual([]);
    // the same command as the image's CMD, so `docker run` and the pod behave alike
    expect(c.args).toEqual(last(readDockerfile().at(-1)!, 'CMD')!.exec);
    // reachable from the kubelet and the Service: not loopback
    expect(flagValue(c.args, '--host')).toBe('0.0.0.0');
    expect(c.args).toContain('--no-demo');
  });

  it('probes /health on the port serve listens on; exposes port + 1 for plugin frames', () => {
    const c = container(only(standalone, 'Deployment'));
    const port = Number(flagValue(c.args, '--port'));
    expect(port).toBe(8080);
    expect(portNumber(c, 'http')).toBe(port);
    expect(portNumber(c, 'frames')).toBe(port + 1);
    for (const probe of [c.readinessProbe, c.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/health');
      expect(portNumber(c, probe.httpGet.port)).toBe(port);
    }
  });

  it('has a Service that selects the pod and reaches both ports, and an Ingress to that Service', () => {
    const d = only(standalone, 'Deployment');
    const svc = only(standalone, 'Service');
    const labels = d.spec.template.metadata.labels;
    expect(Object.keys(svc.spec.selector).length).toBeGreaterThan(0);
    expect(labels).toMatchObject(svc.spec.selector);
    expect(labels).toMatchObject(d.spec.selector.matchLabels);
    expect(labels['app.kubernetes.io/component']).toBe('standalone');
    const c = container(d);
    expect(svc.spec.ports.map((p: any) => [p.port, portNumber(c, p.targetPort)])).toEqual([
      [8080, 8080],
      [8081, 8081],
    ]);
    const backends = only(standalone, 'Ingress').spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service));
    expect(backends.length).toBeGreaterThan(0);
    for (const b of backends) {
      expect(b.name).toBe(svc.metadata.name);
      expect(svc.spec.ports.map((p: any) => p.name)).toContain(b.port.name);
    }
  });
});

describe('workers overlay (imjoy-share engine on a Hypha server)', () => {
  it('runs `engine` with flags `engine --help` lists; $(VARS) in args are env vars of the container', () => {
    const c = container(only(workers, 'Deployment'));
    expect(c.command).toBeUndefined();
    expect(c.args[0]).toBe('engine');
    expect(argProblems(c.args, engineHelp.options)).toEqual([]);
    const env = envByName(c);
    for (const m of c.args.join(' ').matchAll(/\$\((\w+)\)/g)) expect(env.has(m[1]), m[1]).toBe(true);
    // each worker gets its own Hypha client id: the pod name
    expect(env.get(flagValue(c.args, '--client-id')!.slice(2, -1))?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  });

  it('gets the Hypha server, token and workspace from the Secret imjoy-share-hypha, as variables `engine` reads', () => {
    const env = envByName(container(only(workers, 'Deployment')));
    // the names `engine --help` gives as defaults ("(default $HYPHA_SERVER_URL)")
    const documented = [...engineHelp.text.matchAll(/\$(HYPHA_\w+)/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(['HYPHA_SERVER_URL', 'HYPHA_TOKEN', 'HYPHA_WORKSPACE']);
    for (const name of documented) {
      const ref = env.get(name!)?.valueFrom?.secretKeyRef;
      expect(ref, name).toMatchObject({ name: 'imjoy-share-hypha', key: name });
      // the worker cannot start without a server and a token; the workspace may come from the token
      expect(ref.optional ?? false, name).toBe(name === 'HYPHA_WORKSPACE');
    }
    // never a token written into the manifest
    for (const e of env.values()) if (/TOKEN|SECRET|KEY/.test(e.name)) expect(e.value, e.name).toBeUndefined();
  });

  it('is scaled on CPU by an autoscaling/v2 HPA that targets the workers Deployment', () => {
    const d = only(workers, 'Deployment');
    const hpa = only(workers, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name });
    expect(d.metadata.name).not.toBe(only(standalone, 'Deployment').metadata.name); // both overlays fit in one namespace
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    // CPU utilization is a share of the request; a fixed replica count would fight the HPA
    expect(container(d).resources.requests.cpu).toBeTruthy();
    expect(d.spec.replicas).toBeUndefined();
    // the spread constraint selects this Deployment's own pods
    const labels = d.spec.template.metadata.labels;
    for (const t of podSpec(d).topologySpreadConstraints ?? []) expect(labels).toMatchObject(t.labelSelector.matchLabels);
    expect(labels['app.kubernetes.io/component']).toBe('worker');
  });
});
