// "Open in Reference Viewer" from any plugin: one viewer, reused while it is open, instead of a new
// window per click.
import { pluginUrl } from './assets.js';

type Api = { getConfig(name: string): Promise<unknown>; getWindow(name: string): Promise<any>; createWindow(cfg: Record<string, unknown>): Promise<any> };

/** The Reference Viewer's URL: the file next to this plugin's own (same dist/plugins folder). */
async function viewerSrc(api: Api): Promise<string> {
  const own = await pluginUrl(api);
  if (!own) throw new Error('cannot locate the Reference Viewer: this plugin was not loaded from a URL');
  return own.replace(/[^/]*\.imjoy\.html(\?.*)?$/, 'Reference-Viewer.imjoy.html');
}

/** The open Reference Viewer window, if any (one whose API answers). */
export async function openViewer(api: Api): Promise<any> {
  try {
    const v = await api.getWindow('Reference Viewer');
    if (!v?.add_image) return undefined;
    await v.get_view_state(); // a closed window's proxy may linger; a call tells
    return v;
  } catch {
    return undefined;
  }
}

let creating: Promise<any> | undefined;

/**
 * The open Reference Viewer, or a new one (in `window_id`'s element when the page has it, as a
 * slide does). Concurrent callers share one creation, so a double click opens one window.
 */
export async function viewerWindow(api: Api, opts: { window_id?: string } = {}): Promise<any> {
  const open = await openViewer(api);
  if (open) return open;
  creating ??= viewerSrc(api)
    .then((src) => api.createWindow({ src, name: 'Reference Viewer', ...(opts.window_id ? { window_id: opts.window_id } : {}) }))
    .finally(() => (creating = undefined));
  return creating;
}
