/**
 * Reference Maker (ImJoy window plugin): a thin adapter over src/reference/make.ts — pick a file
 * or a URL, make kerchunk references, download them or open them in the Reference Viewer.
 */
import { BlobSource, BytesSource, type ByteSource } from '../../src/io/byte-source.js';
import { HttpSource } from '../../src/io/http-source.js';
import { makeReferences } from '../../src/reference/make.js';
import { ReferenceStore } from '../../src/reference/open.js';
import { summarizeReferences } from '../../src/reference/summary.js';
import type { References } from '../../src/reference/types.js';
import type { ProgressCallback } from '../../src/progress.js';
import { viewerWindow } from '../_shared/viewer.js';
import { $, imjoy, errorBox } from '../_shared/ui.js';


interface MakeRequest {
  url?: string;
  file?: Blob | File;
  /** Raw bytes (e.g. from Python over RPC) with a name for messages. */
  bytes?: ArrayBuffer | Uint8Array;
  name?: string;
  /** What to write in templates.u (default: `url`, or the file name). */
  template_url?: string;
  /**
   * Called (also over RPC, e.g. from Python) with the URL that got a 403 — an expired pre-signed
   * URL — to get a fresh one; the read is retried once with it.
   */
  refresh_url?: (oldUrl: string) => Promise<string> | string;
}


function sourceOf(req: MakeRequest): { source: ByteSource; url: string; name: string } {
  if (req.url) {
    const abs = new URL(req.url, location.href).href;
    return { source: new HttpSource(abs, { refreshUrl: req.refresh_url }), url: abs, name: abs.split('?')[0] };
  }
  if (req.file) {
    const name = req.name ?? (req.file as File).name ?? 'file';
    return { source: new BlobSource(req.file, name), url: name, name };
  }
  if (req.bytes) {
    const name = req.name ?? 'bytes';
    const b = req.bytes instanceof Uint8Array ? req.bytes : new Uint8Array(req.bytes);
    return { source: new BytesSource(b, name), url: name, name };
  }
  throw new Error('make_references: pass {url}, {file} or {bytes}');
}

async function make_references(req: MakeRequest, onProgress?: ProgressCallback): Promise<References> {
  if (!req || typeof req !== 'object') throw new Error('make_references: pass an object such as {url: "https://…/image.ome.tif"}');
  const { source, url } = sourceOf(req);
  return makeReferences(source, { url: req.template_url || url, onProgress });
}

/**
 * A live zarr.js-style store (`getItem`, `containsItem`, `keys`, `_rintf: true`) over references
 * (given, or made from {url | file | bytes}), for viewers that take a store object over RPC.
 */
async function get_store(req: MakeRequest & { refs?: References }) {
  const refs = req.refs ?? (await make_references(req));
  // Chunks of a local file are read from the file itself, whatever the template says.
  const local = !req.url && !req.template_url && !!(req.file || req.bytes);
  const store = new ReferenceStore(refs, local ? { openSource: () => sourceOf(req).source } : { refreshUrl: req.refresh_url });
  return store.zarrJs();
}

// ---- window UI -------------------------------------------------------------------------------
let last: { refs: References; req: MakeRequest; name: string } | undefined;

const showError = errorBox('rm-error');

async function makeFromUi(): Promise<ReturnType<typeof summarizeReferences> | undefined> {
  const url = $<HTMLInputElement>('rm-url').value.trim();
  const file = $<HTMLInputElement>('rm-file').files?.[0];
  const template = $<HTMLInputElement>('rm-template').value.trim();
  const req: MakeRequest = url ? { url } : file ? { file } : {};
  if (template) req.template_url = template;
  showError();
  $('rm-result').hidden = true;
  $('rm-progress').hidden = false;
  const bar = $<HTMLProgressElement>('rm-bar');
  const status = $('rm-status');
  status.textContent = 'reading the file’s directory…';
  try {
    const refs = await make_references(req, (done, total, label) => {
      bar.max = Math.max(total, 1);
      bar.value = done;
      status.textContent = `${label ?? ''} ${done}/${total}`;
    });
    last = { refs, req, name: url ? url.split('?')[0].split('/').pop()! : (file?.name ?? 'image') };
    const s = summarizeReferences(refs);
    $('rm-summary').textContent = [
      `axes: ${s.axes.join(', ')}   channels: ${s.channels.join(', ') || '–'}`,
      ...s.arrays.map((a) => `level ${a.path}: ${a.shape.join('×')} ${a.dtype}, chunks ${a.chunks.join('×')}, ${a.codec}, ${a.chunkRefs} chunk refs`),
      `JSON: ${(s.jsonBytes / 1024).toFixed(1)} KiB; template u = ${refs.templates.u.split('?')[0]}`,
    ].join('\n');
    $('rm-result').hidden = false;
    return s;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e);
    showError(msg);
    throw new Error(msg);
  } finally {
    $('rm-progress').hidden = true;
  }
}

function download() {
  if (!last) return;
  const blob = new Blob([JSON.stringify(last.refs)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${last.name.replace(/\.(ome\.)?(tiff?|zip|ozx|btf)$/i, '')}.refs.json`;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}


/**
 * Shows references (default: the last made here) in the open Reference Viewer, or a new one;
 * `window_id` places a new viewer in that element of the page (a slide's div).
 */
async function open_in_viewer(refs?: References, name?: string, opts: { window_id?: string } = {}) {
  // one after the other: two clicks must not race to add the same layer
  const run = opening.then(() => openInViewerNow(refs, name, opts));
  opening = run.catch(() => {});
  return run;
}
let opening: Promise<unknown> = Promise.resolve();

async function openInViewerNow(refs: References | undefined, name: string | undefined, opts: { window_id?: string }) {
  const r = refs ?? last?.refs;
  if (!r) throw new Error('make references first');
  // A local file without a public template URL is not reachable from the viewer's window: hand
  // it a live store that reads the chunks from the file here, over RPC.
  const local = !refs && last && !last.req.url && !last.req.template_url;
  const source = local ? await get_store({ ...last!.req, refs: r }) : r;
  const viewer = await viewerWindow(imjoy(), opts);
  const layer = name ?? last?.name ?? 'image';
  // opening the same image again shows the current references in place of the old layer
  if ((await viewer.get_stats()).cache.some((c: { name: string }) => c.name === layer)) await viewer.remove_image(layer);
  return viewer.add_image({ source, name: layer });
}

function init() {
  $('rm-make').onclick = () => makeFromUi().catch(() => {});
  $('rm-download').onclick = download;
  $('rm-open').onclick = () => open_in_viewer().catch((e) => showError(String(e?.message ?? e)));
}

imjoy().export({
  async setup() {
    init();
  },
  /** With {data: {url, template_url?}}: fills the form, makes the references, returns their summary. */
  async run(ctx: { data?: MakeRequest; config?: MakeRequest }) {
    const data = ctx?.data ?? ctx?.config;
    if (!data?.url) return undefined;
    $<HTMLInputElement>('rm-url').value = data.url;
    $<HTMLInputElement>('rm-template').value = data.template_url ?? '';
    return makeFromUi();
  },
  make_references: (req: MakeRequest) => make_references(req),
  get_store,
  open_in_viewer,
});
