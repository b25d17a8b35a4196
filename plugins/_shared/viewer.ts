// "Open in Reference Viewer" / "Open as octree" from any plugin: one viewer window of each kind,
// reused while it is open, instead of a new window per click.
import { pluginUrl } from './assets.js';

type Api = { getConfig(name: string): Promise<unknown>; getWindow(name: string): Promise<any>; createWindow(cfg: Record<string, unknown>): Promise<any> };

/** The viewers other plugins open, and a call that only an open one answers. */
const VIEWERS = {
  'Reference Viewer': { file: 'Reference-Viewer.imjoy.html', call: 'get_view_state' },
  'Potree Viewer': { file: 'Potree-Viewer.imjoy.html', call: 'get_info' },
} as const;
type ViewerName = keyof typeof VIEWERS;

/** A viewer's URL: the file next to this plugin's own (same dist/plugins folder). */
async function viewerSrc(api: Api, name: ViewerName): Promise<string> {
  const own = await pluginUrl(api);
  if (!own) throw new Error(`cannot locate the ${name}: this plugin was not loaded from a URL`);
  return own.replace(/[^/]*\.imjoy\.html(\?.*)?$/, VIEWERS[name].file);
}

/** The open window of that viewer, if any (one whose API answers: a closed window's proxy may linger). */
export async function openViewer(api: Api, name: ViewerName = 'Reference Viewer'): Promise<any> {
  try {
    const v = await api.getWindow(name);
    const call = VIEWERS[name].call;
    if (typeof v?.[call] !== 'function') return undefined;
    await v[call]();
    return v;
  } catch {
    return undefined;
  }
}

const creating = new Map<ViewerName, Promise<any>>();

/**
 * The open viewer, or a new one (in `window_id`'s element when the page has it, as a slide does).
 * Concurrent callers share one creation, so a double click opens one window.
 */
export async function viewerWindow(api: Api, opts: { window_id?: string; name?: ViewerName } = {}): Promise<any> {
  const name = opts.name ?? 'Reference Viewer';
  const open = await openViewer(api, name);
  if (open) return open;
  if (!creating.has(name)) {
    const p = viewerSrc(api, name)
      .then((src) => api.createWindow({ src, name, ...(opts.window_id ? { window_id: opts.window_id } : {}) }))
      .finally(() => creating.delete(name));
    creating.set(name, p);
  }
  return creating.get(name)!;
}
