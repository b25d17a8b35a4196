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
import { METADATA_LIMIT, OCTREE_FILES, openOctreeFile, type OctreeFile, type OctreePlace } from '../../src/potree/single-file.js';
import { BlobSource, BytesSource } from '../../src/io/byte-source.js';
import { tableFromColumns, type ColumnInput } from '../../src/smlm/load.js';
import type { SmlmTable } from '../../src/smlm/types.js';
import type { OctreeInMemory } from '../../src/potree/convert-memory.js';
import { assetUrl } from '../_shared/assets.js';
import { workerClient, workerFromUrl } from '../_shared/worker-rpc.js';
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

/** Where a file's bytes are (OctreePlace); the size is unknown for a file of its own until read. */
type Place = Omit<OctreePlace, 'size'> & { size?: number };
type Files = Record<OctreeFile, Place>;
type RefreshUrl = (oldUrl: string) => Promise<string> | string;

const httpSource = (url: string, refresh?: RefreshUrl) => new HttpSource(url, { refreshUrl: refresh && (async (u: string) => String(await refresh(u))) });

/**
 * potree-core's requests, answered from the files' sources (ByteSources: each request a Range
 * read with retries, a fresh URL from `refresh_url` after a 403, the size from Content-Range).
 * potree-core derives the node URLs by replacing "/metadata.json" in the cloud's URL, which would
 * reuse one pre-signed URL's signature for every file (endless 403s); so it gets placeholder
 * names, mapped here to each file's place. Its `content-type: multipart/byteranges` header, which
 * forces a CORS preflight per node, is never sent. A whole file (metadata.json) is read once.
 */
function requestManager(files: Files) {
  const PREFIX = 'potree-file:/';
  const whole = new Map<OctreeFile, Promise<Uint8Array>>();
  const tooBig = (name: OctreeFile, p: Place) => new Error(`${p.source.name}: ${name} is larger than ${METADATA_LIMIT >> 20} MiB`);
  const readWhole = async (name: OctreeFile, p: Place): Promise<Uint8Array> => {
    // a zip member's size comes from the archive's directory: checked before it is allocated
    if (p.size !== undefined) {
      if (p.size > METADATA_LIMIT) throw tooBig(name, p);
      return p.source.read(p.offset, p.size);
    }
    // a file of its own: one range request for all of it, cut at its end
    const [bytes] = await p.source.readMany!([{ offset: 0, length: METADATA_LIMIT + 1 }], { clip: true });
    if ((await p.source.size()) > METADATA_LIMIT) throw tooBig(name, p);
    return bytes!;
  };
  return {
    getUrl: async (u: string) => PREFIX + u.slice(u.lastIndexOf('/') + 1),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const name = String(input instanceof Request ? input.url : input).slice(PREFIX.length) as OctreeFile;
      const place = files[name];
      if (!place) throw new Error(`the cloud needs ${name}, which was not given`);
      const m = /^bytes=(\d+)-(\d+)$/.exec(new Headers(init?.headers).get('range') ?? '');
      let bytes: Uint8Array;
      if (m) bytes = await place.source.read(place.offset + Number(m[1]), Number(m[2]) - Number(m[1]) + 1);
      else {
        if (!whole.has(name)) whole.set(name, readWhole(name, place));
        bytes = await whole.get(name)!;
      }
      // potree-core reads the body whatever the status
      return new Response(bytes.slice(), { status: m ? 206 : 200 });
    },
  };
}

/** The view as a PNG (base64, no `data:` prefix). */
async function screenshot(): Promise<string> {
  renderer!.render(scene, camera);
  return renderer!.domElement.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
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
  initToolbar((change) => void set_view(change).catch(() => {}), screenshot);
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

/** A table given by API: named columns (typed arrays, numpy arrays over RPC, number lists). */
interface TableInput {
  name?: string;
  channel?: string;
  columns: Record<string, ColumnInput> | { name: string; data: ColumnInput }[];
}

interface LoadConfig {
  /** As url (a string) or file (a File or Blob). */
  source?: string | Blob;
  /** A Potree 2.0 metadata.json (octree.bin and hierarchy.bin beside it), a 1.x cloud.js, or one .zip/.smlm holding an octree. */
  url?: string;
  /** Each file's own URL, e.g. three pre-signed S3 URLs. */
  urls?: Partial<Record<OctreeFile, string>>;
  /** A one-file octree (zip, or .smlm carrying one) as a File/Blob: nodes read by slices. */
  file?: Blob;
  /** Localizations to convert here (in a worker), one table… */
  columns?: Record<string, ColumnInput>;
  /** …or several (a channel each). */
  tables?: TableInput[];
  name?: string;
  point_budget?: number;
  /** Called with an expired pre-signed URL (HTTP 403); returns a fresh one for the same file. */
  refresh_url?: RefreshUrl;
}

/** Three files of their own, each at its URL. */
function placesOf(urlOf: (f: OctreeFile) => string, refresh?: RefreshUrl): Files {
  const files: Partial<Files> = {};
  for (const f of OCTREE_FILES) files[f] = { source: httpSource(urlOf(f), refresh), offset: 0 };
  return files as Files;
}

let worker: ReturnType<typeof workerClient> | undefined;

/** Tables given by API → an octree in memory, converted in the plugin's worker. */
async function converted(config: LoadConfig): Promise<Files> {
  const name = config.name ?? 'columns';
  const inputs: TableInput[] = config.tables ?? [{ name, columns: config.columns! }];
  if (!Array.isArray(inputs) || !inputs.length) throw new Error('load: tables must be a non-empty list of {name, columns}');
  const tables: SmlmTable[] = inputs.map((t, k) => {
    const cols = Array.isArray(t.columns) ? Object.fromEntries(t.columns.map((c) => [c.name, c.data])) : t.columns;
    const label = t.name ?? `table ${k}`;
    return { ...tableFromColumns(label, cols), channel: t.channel ?? label };
  });
  worker ??= workerClient(await workerFromUrl(await assetUrl(imjoy(), 'potree.worker.js')));
  $('pv-status').textContent = `converting ${tables.reduce((a, t) => a + t.rows, 0).toLocaleString()} points…`;
  const { files } = await worker.call<OctreeInMemory>('convert', { tables, name }).result;
  const out: Partial<Files> = {};
  for (const f of OCTREE_FILES) out[f] = { source: new BytesSource(files[f], f), offset: 0, size: files[f].byteLength };
  return out as Files;
}

/**
 * A Potree 1.x cloud (PotreeConverter 1's cloud.js, a node per file under its octree folder), read
 * with potree-core's own loader; its box stands in for the attributes 2.0 metadata lists.
 */
async function legacyCloud(url: string) {
  const shown = url.split('?')[0]!;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${shown}: HTTP ${res.status}`);
  const cloud = await res.json().catch(() => undefined);
  const box = cloud?.tightBoundingBox ?? cloud?.boundingBox;
  if (!box || typeof cloud.version !== 'string') throw new Error(`${shown}: not a Potree 1.x cloud.js (version, boundingBox)`);
  const position: Attribute = { name: 'position', type: 'int32', numElements: 3, min: [box.lx, box.ly, box.lz], max: [box.ux, box.uy, box.uz] };
  // cloud.js as already read; its nodes beside it
  const base = shown.slice(0, shown.lastIndexOf('/') + 1);
  const pco = await potree.loadPointCloud('cloud.js', {
    getUrl: async (u: string) => base + u,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => (String(input) === `${base}cloud.js` ? new Response(JSON.stringify(cloud)) : fetch(input, init)),
  });
  return { url, pco, meta: { name: shown.split('/').slice(-2, -1)[0], points: Number(cloud.points ?? 0), attributes: [position] } };
}

/** Where the three files are, for each way of naming a cloud. */
async function filesOf(config: LoadConfig): Promise<{ files: Files; url: string }> {
  const abs = (u: string) => new URL(u, location.href).href;
  const refresh = config?.refresh_url;
  let files: Files;
  let url: string;
  if (config?.columns || config?.tables) return { files: await converted(config), url: '' };
  // one file — a stored zip (`potree convert -o x.zip`) or a .smlm carrying its octree (`--into`) —
  // as a File/Blob (read by slices, never whole) or by URL: single-file.ts reads its head and tail
  // first, so the first node comes after two or three requests
  if (config?.file) return { files: await openOctreeFile(new BlobSource(config.file, config.name ?? (config.file as File).name ?? 'file')), url: '' };
  if (config?.url && /\.(zip|smlm)$/i.test(config.url.split('?')[0]!)) {
    url = abs(config.url);
    files = await openOctreeFile(httpSource(url, refresh));
  } else if (config?.urls) {
    const urls = Object.fromEntries(Object.entries(config.urls).map(([k, v]) => [k, abs(v)]));
    const lacking = OCTREE_FILES.filter((f) => !urls[f]);
    if (lacking.length) throw new Error(`load: urls needs ${OCTREE_FILES.join(', ')}; ${lacking.join(', ')} missing`);
    url = urls['metadata.json']!;
    files = placesOf((f) => urls[f]!, refresh);
  } else {
    url = config?.url ? abs(config.url) : '';
    if (!/metadata\.json(\?|$)/.test(url)) throw new Error('load: pass {url} of a Potree 2.0 metadata.json (or a 1.x cloud.js), of one .zip of the octree or of a .smlm holding one; {urls: {"metadata.json", "hierarchy.bin", "octree.bin"}}; {file} (a File or Blob of such a .zip or .smlm); or {columns} / {tables} of localizations to convert');
    // the files beside it, with the same query string (a signature for a folder, where there is one)
    const [path, query] = url.split('?') as [string, string | undefined];
    files = placesOf((f) => path.replace(/metadata\.json$/, f) + (query ? `?${query}` : ''), refresh);
  }
  return { files, url };
}

async function load(config: LoadConfig) {
  if (config?.source !== undefined) {
    const { source, ...rest } = config;
    config = typeof source === 'string' ? { ...rest, url: source } : source instanceof Blob ? { ...rest, file: source } : config;
    if (config.source !== undefined) throw new Error('load: source must be a URL or a File/Blob');
  }
  init();
  showError();
  $('pv-status').textContent = 'loading…';
  try {
    let url: string;
    let meta: { name?: string; points: number; description?: string; attributes?: Attribute[]; imjoy_share?: { level_shares?: number[] } };
    let pco: PointCloudOctree;
    if (config?.url && /cloud\.js(\?|$)/.test(config.url)) ({ url, meta, pco } = await legacyCloud(new URL(config.url, location.href).href));
    else {
      const opened = await filesOf(config ?? {});
      url = opened.url;
      const rm = requestManager(opened.files);
      meta = await rm.fetch(await rm.getUrl('metadata.json')).then((r) => r.json());
      pco = await potree.loadPointCloud('metadata.json', rm);
    }
    for (const c of clouds) scene.remove(c);
    clouds = [];
    const attributes: Attribute[] = meta.attributes ?? [];
    // potree-core's own material for metadata.json clouds ignores the colour mode without an RGB
    // attribute (points render black); ours also colours by any attribute and filters (view.ts)
    material = new ViewMaterial();
    material.setLevelShares(meta.imjoy_share?.level_shares);
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
    // the points of the nodes loaded and drawn (visible_points also counts nodes still loading)
    drawn_points: pco?.visibleNodes.reduce((a, n) => a + n.geometryNode.numPoints, 0) ?? 0,
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
  screenshot,
});
