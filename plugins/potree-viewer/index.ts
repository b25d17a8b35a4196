/**
 * Potree Viewer (ImJoy window plugin): Potree 2.0 octrees (from `imjoy-share potree convert`) with
 * potree-core on three.js — only the nodes in view, at the level of detail the point budget allows,
 * each fetched with an HTTP Range request.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { PointCloudMaterial, PointColorType, PointSizeType, Potree, VIRIDIS, type PointCloudOctree } from 'potree-core';
import { $, imjoy, errorBox } from '../_shared/ui.js';
import { HttpSource } from '../../src/io/http-source.js';
import { listZip, ZIP_STORED } from '../../src/zip/zip.js';



let renderer: THREE.WebGLRenderer | undefined;
let camera: THREE.PerspectiveCamera;
let controls: OrbitControls;
const scene = new THREE.Scene();
const potree = new Potree();
let clouds: PointCloudOctree[] = [];
let loaded: { url: string; name: string; points: number; attributes: string[] } | undefined;

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
  const view = $('pv-view');
  renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  view.appendChild(renderer.domElement);
  camera = new THREE.PerspectiveCamera(45, 1, 0.1, 1e9);
  controls = new OrbitControls(camera, renderer.domElement);
  new ResizeObserver(resize).observe(view);
  resize();
  const frame = () => {
    if (clouds.length) potree.updatePointClouds(clouds, camera, renderer!);
    controls.update();
    renderer!.render(scene, camera);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  $('pv-open').onclick = () => void load({ url: $<HTMLInputElement>('pv-url').value.trim() }).catch(() => {});
}

function resize() {
  const view = $('pv-view');
  const w = Math.max(1, view.clientWidth);
  const h = Math.max(1, view.clientHeight);
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
    // potree-core's material for metadata.json clouds ignores the colour mode without an RGB
    // attribute (points render black): give it one of our own, coloured by elevation (z)
    const material = new PointCloudMaterial({ size: 2, minSize: 2, pointSizeType: PointSizeType.FIXED } as never);
    material.pointColorType = PointColorType.HEIGHT;
    material.gradient = VIRIDIS;
    // potree-core converts the gradient from sRGB to linear with swapped branches, which saturates
    // every colour to white; with equal input and output encodings no conversion runs
    // (potree-core does not export its ColorEncoding enum: 1 is SRGB)
    material.inputColorEncoding = 1 as never;
    material.outputColorEncoding = 1 as never;
    // colour by z over the data's z range, in world units
    const zr = (meta.attributes?.[0]?.min && meta.attributes[0].max ? [meta.attributes[0].min[2], meta.attributes[0].max[2]] : [0, 1]) as [number, number];
    material.elevationRange = [zr[0], zr[1] > zr[0] ? zr[1] : zr[0] + 1];
    pco.material = material;
    potree.pointBudget = config.point_budget ?? 2_000_000;
    scene.add(pco);
    clouds = [pco];
    fit(pco);
    loaded = { url, name: config.name ?? meta.name ?? 'cloud', points: meta.points, attributes: (meta.attributes ?? []).map((a: { name: string }) => a.name) };
    $('pv-hint').hidden = true;
    $<HTMLInputElement>('pv-url').value = url;
    $('pv-status').textContent = `${loaded.name}: ${Number(meta.points).toLocaleString()} points`;
    return loaded;
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
        return get_info();
      }
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`the octree did not load within ${timeoutMs} ms`);
    await new Promise((r) => requestAnimationFrame(r));
  }
}

function get_info() {
  const pco = clouds[0];
  return {
    ...(loaded ?? {}),
    visible_nodes: pco?.visibleNodes.length ?? 0,
    visible_points: pco?.numVisiblePoints ?? 0,
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
  get_info: async () => get_info(),
  async screenshot() {
    renderer!.render(scene, camera);
    return renderer!.domElement.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  },
});
