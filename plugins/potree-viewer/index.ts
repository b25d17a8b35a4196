/**
 * Potree Viewer (ImJoy window plugin): Potree 2.0 octrees (from `imjoy-share potree convert`) with
 * potree-core on three.js — only the nodes in view, at the level of detail the point budget allows,
 * each fetched with an HTTP Range request.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { Potree, type PointCloudOctree } from 'potree-core';
import { $, imjoy, errorBox, withErrors } from '../_shared/ui.js';
import { HttpSource } from '../../src/io/http-source.js';
import { listZip, ZIP_STORED } from '../../src/zip/zip.js';
import { applyView, channelCount, defaultView, nextView, ViewMaterial, type Attribute, type View } from './view.js';
import { initToolbar, syncToolbar } from './toolbar.js';

let renderer: THREE.WebGLRenderer | undefined;
let camera: THREE.PerspectiveCamera;
let controls: OrbitControls;
const scene = new THREE.Scene();
const potree = new Potree();
let clouds: PointCloudOctree[] = [];
let loaded: { url: string; name: string; points: number; attributes: Attribute[]; channel_names: string[] } | undefined;
let view: View | undefined;
let material: ViewMaterial | undefined;

const showError = errorBox('pv-error');

const FILES = ['metadata.json', 'hierarchy.bin', 'octree.bin'] as const;
/** Each file's URL, and where it starts there (a member of a stored zip: its data offset). */
type Place = string | { url: string; offset: number; size: number };
type Files = Partial<Record<(typeof FILES)[number], Place>>;

/** The three files as byte ranges of one stored zip (`imjoy-share potree convert -o cloud.zip`). */
async function zipFiles(url: string): Promise<Files> {
  const { entries } = await listZip(new HttpSource(url));
  const files: Files = {};
  for (const f of FILES) {
    const e = entries.find((x) => x.name === f || x.name.endsWith(`/${f}`));
    if (!e) throw new Error(`${url.split('?')[0]}: no ${f} in this zip (is it a Potree 2.0 octree?)`);
    if (e.method !== ZIP_STORED) throw new Error(`${url.split('?')[0]}: ${e.name} is compressed; nodes are read by byte range only from stored members`);
    files[f] = { url, offset: e.dataOffset, size: e.size };
  }
  return files;
}

/**
 * potree-core's requests, routed to the real URLs of the three files. It derives the node URLs by
 * replacing "/metadata.json" in the cloud's URL, which would reuse one pre-signed URL's signature
 * for every file (endless 403s); so it gets placeholder names, mapped here to each file's own
 * URL. Its `content-type: multipart/byteranges` request header is dropped (it forces a CORS
 * preflight per node), statuses are checked, and server errors are retried twice at most.
 */
function requestManager(files: Files) {
  const PREFIX = 'potree-file:/';
  return {
    getUrl: async (u: string) => PREFIX + u.slice(u.lastIndexOf('/') + 1),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const name = String(input instanceof Request ? input.url : input).slice(PREFIX.length) as keyof Files;
      const place = files[name];
      if (!place) throw new Error(`the cloud needs ${name}, which was not given`);
      const headers = new Headers(init?.headers);
      headers.delete('content-type');
      let url: string;
      if (typeof place === 'string') url = place;
      else {
        // a member of a zip: its ranges shifted to where it starts (the whole member without one)
        url = place.url;
        const m = /^bytes=(\d+)-(\d+)$/.exec(headers.get('range') ?? '');
        const [a, b] = m ? [Number(m[1]), Number(m[2])] : [0, place.size - 1];
        headers.set('range', `bytes=${place.offset + a}-${place.offset + b}`);
      }
      let res: Response | undefined;
      for (let attempt = 0; attempt < 3; attempt++) {
        res = await fetch(url, { ...init, headers });
        if (res.ok || (res.status < 500 && res.status !== 429)) break;
      }
      if (!res!.ok) throw new Error(`${name}: HTTP ${res!.status} from ${url.split('?')[0]}${res!.status === 403 ? ' (an expired pre-signed URL?)' : ''}`);
      // potree-core reads the body whatever the status: a part of a zip comes as 206, which it takes
      return res!;
    },
  };
}

function init() {
  if (renderer) return;
  const box = $('pv-view');
  renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  box.appendChild(renderer.domElement);
  camera = new THREE.PerspectiveCamera(45, 1, 0.1, 1e9);
  controls = new OrbitControls(camera, renderer.domElement);
  new ResizeObserver(resize).observe(box);
  resize();
  const frame = () => {
    if (clouds.length) potree.updatePointClouds(clouds, camera, renderer!);
    controls.update();
    renderer!.render(scene, camera);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  $('pv-open').onclick = () => void load({ url: $<HTMLInputElement>('pv-url').value.trim() }).catch(() => {});
  initToolbar((change) => void set_view(change).catch(() => {}));
}

function resize() {
  const box = $('pv-view');
  const w = Math.max(1, box.clientWidth);
  const h = Math.max(1, box.clientHeight);
  renderer!.setSize(w, h, false);
  camera.aspect = w / h;
  camera.updateProjectionMatrix();
}

/** Fits the camera to the cloud's box, tilted so depth shows. */
function fit(pco: PointCloudOctree) {
  // the data's extent (the bounding box is the cube around it, mostly empty along z for SMLM)
  pco.updateMatrixWorld(true);
  const geo = pco.pcoGeometry as { tightBoundingBox?: THREE.Box3; boundingBox: THREE.Box3 };
  const box = (geo.tightBoundingBox ?? geo.boundingBox).clone().applyMatrix4(pco.matrixWorld);
  const centre = box.getCenter(new THREE.Vector3());
  const size = box.getSize(new THREE.Vector3()).length();
  camera.near = size / 1000;
  camera.far = size * 100;
  camera.position.set(centre.x, centre.y - size * 0.6, centre.z + size * 0.9);
  camera.up.set(0, 0, 1);
  controls.target.copy(centre);
  camera.updateProjectionMatrix();
  controls.update();
}

/**
 * `url`: a Potree 2.0 metadata.json (octree.bin and hierarchy.bin beside it); or `urls`: each
 * file's own URL — e.g. three pre-signed S3 URLs.
 */
async function load(config: { url?: string; urls?: Partial<Record<(typeof FILES)[number], string>>; name?: string; point_budget?: number }) {
  init();
  showError();
  const abs = (u: string) => new URL(u, location.href).href;
  let files: Files;
  if (config?.url && /\.zip$/i.test(config.url.split('?')[0]!)) files = await zipFiles(abs(config.url));
  else if (config?.urls) {
    files = Object.fromEntries(Object.entries(config.urls).map(([k, v]) => [k, abs(v)]));
    const lacking = FILES.filter((f) => !files[f]);
    if (lacking.length) throw new Error(`load: urls needs ${FILES.join(', ')}; ${lacking.join(', ')} missing`);
  } else {
    const url = config?.url ? abs(config.url) : '';
    if (!/metadata\.json(\?|$)/.test(url)) throw new Error('load: pass {url} of a Potree 2.0 metadata.json or of one .zip of the octree, or {urls: {"metadata.json", "hierarchy.bin", "octree.bin"}}');
    // the files beside it, with the same query string (a signature for a folder, where there is one)
    const [path, query] = url.split('?') as [string, string | undefined];
    files = Object.fromEntries(FILES.map((f) => [f, path.replace(/metadata\.json$/, f) + (query ? `?${query}` : '')]));
  }
  const first = files['metadata.json']!;
  const url = typeof first === 'string' ? first : first.url;
  $('pv-status').textContent = 'loading…';
  try {
    const rm = requestManager(files);
    const meta = await rm.fetch(await rm.getUrl('metadata.json')).then((r) => r.json());
    for (const c of clouds) scene.remove(c);
    clouds = [];
    const pco = await potree.loadPointCloud('metadata.json', rm);
    const attributes: Attribute[] = meta.attributes ?? [];
    // potree-core's own material for metadata.json clouds ignores the colour mode without an RGB
    // attribute (points render black); ours also colours by any attribute and filters (view.ts)
    material = new ViewMaterial();
    pco.material = material;
    scene.add(pco);
    clouds = [pco];
    fit(pco);
    view = defaultView(attributes, cameraNow(), view);
    view.point_budget = config.point_budget ?? view.point_budget;
    applyView(material, view, attributes);
    potree.pointBudget = view.point_budget;
    loaded = { url, name: config.name ?? meta.name ?? 'cloud', points: meta.points, attributes, channel_names: channelNames(meta.description, channelCount(attributes)) };
    syncToolbar(view, loaded);
    $('pv-hint').hidden = true;
    $<HTMLInputElement>('pv-url').value = url;
    $('pv-status').textContent = `${loaded.name}: ${Number(meta.points).toLocaleString()} points`;
    return info();
  } catch (e) {
    $('pv-status').textContent = '';
    showError(String((e as Error)?.message ?? e));
    throw e;
  }
}

/** Resolves once every visible node is loaded and a frame was drawn after that. */
async function wait_for_frame(timeoutMs = 60_000) {
  const t0 = performance.now();
  for (;;) {
    const pco = clouds[0];
    if (pco) {
      const r = potree.updatePointClouds(clouds, camera, renderer!);
      const loading = pco.visibleNodes.length > 0 && (r as { exceededMaxLoadsToGPU?: boolean }).exceededMaxLoadsToGPU !== true && pco.pcoGeometry.numNodesLoading === 0;
      if (loading) {
        renderer!.render(scene, camera);
        return info();
      }
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`the octree did not load within ${timeoutMs} ms`);
    await new Promise((r) => requestAnimationFrame(r));
  }
}

/** The channels' names: `potree convert` lists them in the description ("channels: a, b"). */
function channelNames(description: unknown, n: number): string[] {
  const m = /^channels: (.*)$/.exec(String(description ?? ''));
  const names = m ? m[1]!.split(', ') : [];
  return Array.from({ length: n }, (_, i) => (names.length === n ? `${i}: ${names[i]}` : String(i)));
}

const cameraNow = (): View['camera'] => ({ position: camera.position.toArray(), target: controls.target.toArray() });

function get_view(): View {
  if (!view) throw new Error('get_view: no cloud loaded: call load({url}) first');
  return { ...view, camera: cameraNow() };
}

/** Changes what is shown (any of View's keys) and returns the whole view; see view.ts. */
function set_view(change: Record<string, unknown>): Promise<View> {
  return withErrors(showError, async () => {
    if (!view || !material || !loaded) throw new Error('set_view: no cloud loaded: call load({url}) first');
    const next = nextView(get_view(), change ?? {}, loaded.attributes);
    applyView(material, next, loaded.attributes);
    potree.pointBudget = next.point_budget;
    if (change?.camera) {
      camera.position.set(...next.camera.position);
      controls.target.set(...next.camera.target);
      controls.update();
    }
    view = next;
    syncToolbar(view, loaded);
    return get_view();
  });
}

/** The cloud (its attributes with min and max: numbers, or per element for vectors), what is drawn, and the view. */
function info() {
  const pco = clouds[0];
  const one = (v: number[] | undefined) => (v?.length === 1 ? v[0] : v);
  return {
    ...(loaded ?? {}),
    attributes: loaded?.attributes.map((a) => ({ name: a.name, type: a.type, min: one(a.min), max: one(a.max) })) ?? [],
    channels: loaded ? channelCount(loaded.attributes) : 0,
    visible_nodes: pco?.visibleNodes.length ?? 0,
    visible_points: pco?.numVisiblePoints ?? 0,
    view: view ? get_view() : undefined,
  };
}

imjoy().export({
  async setup() {
    init();
  },
  async run(ctx: { data?: { url?: string }; config?: { url?: string } }) {
    const url = ctx?.data?.url ?? ctx?.config?.url;
    if (url) await load({ url });
  },
  load,
  wait_for_frame,
  get_info: async () => info(),
  get_view: async () => get_view(),
  set_view,
  async screenshot() {
    renderer!.render(scene, camera);
    return renderer!.domElement.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  },
});
