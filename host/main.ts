// The local ImJoy host: imjoy-core with no internet (our own base frame and imjoy-rpc, served from a
// second origin; no internal plugins from the web), a plugin list from manifest.imjoy.json, a tiny
// window manager, ImJoy's UI API, ImJoy-style URL parameters, and the slides runtime.
import * as imjoyCore from 'imjoy-core';
import * as ui from './ui.js';
import * as wm from './windows.js';
import { startSlides } from '../slides/runtime/deck.js';
import { showDocs } from './docs.js';
import { startRpcBridge, windowClosed } from './rpc-bridge.js';

export interface HostConfig {
  frame_origin?: string;
  [service: string]: unknown;
}

export interface ManifestPlugin {
  name: string;
  type: string;
  description?: string;
  uri: string;
  icon?: string;
}

async function loadHostConfig(): Promise<HostConfig> {
  try {
    const r = await fetch(new URL('host/config.json', location.href));
    if (r.ok) return await r.json();
  } catch {
    /* static hosting without our server: fall back below */
  }
  return {};
}

function libUrl(cfg: HostConfig): string {
  if (cfg.frame_origin) return new URL('/lib/', cfg.frame_origin).href;
  // Static hosting without a second origin: frames share the page's origin (less isolation).
  console.warn('imjoy-share: no frame origin configured; plugin frames use the page origin');
  return new URL('host/lib/', location.href).href;
}

export async function loadManifest(url: string): Promise<ManifestPlugin[]> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const m = await res.json();
  const root = new URL((m.uri_root ?? '').replace(/\/?$/, '/'), new URL(url, location.href));
  return (m.plugins ?? [])
    .filter((p: { disabled?: boolean }) => !p.disabled)
    .map((p: ManifestPlugin) => ({ ...p, uri: new URL(p.uri ?? `${p.name}.imjoy.html`, root).href }));
}

function listPlugins(plugins: ManifestPlugin[], run: (p: ManifestPlugin) => void) {
  const ul = document.getElementById('plugin-list')!;
  for (const p of plugins) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.dataset.plugin = p.name;
    b.textContent = p.name;
    const small = document.createElement('small');
    small.textContent = p.description ?? '';
    b.appendChild(small);
    b.onclick = () => run(p);
    const help = document.createElement('button');
    help.className = 'docs';
    help.textContent = '?';
    help.title = `${p.name}: documentation`;
    help.setAttribute('aria-label', help.title);
    help.onclick = () => void showDocs(p.name, p.uri).catch((e) => ui.showMessage(`No documentation for ${p.name}: ${(e as Error).message}`, 10));
    li.append(b, help);
    ul.appendChild(li);
  }
}

async function boot(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const cfg = await loadHostConfig();
  window.hostConfig = cfg;
  const lib = libUrl(cfg);
  const imjoy = new imjoyCore.ImJoy({
    imjoy_api: {
      showMessage: (_p: unknown, msg: unknown, duration?: number) => ui.showMessage(msg, duration),
      showSnackbar: (_p: unknown, msg: unknown, duration?: number) => ui.showMessage(msg, duration),
      showStatus: (_p: unknown, msg: unknown) => ui.showStatus(msg),
      showProgress: (_p: unknown, p: number) => ui.showProgress(p),
      alert: (_p: unknown, m: any) => ui.alertDialog(m),
      confirm: (_p: unknown, m: any) => ui.confirmDialog(m),
      prompt: (_p: unknown, m: any, v?: string) => ui.promptDialog(m, v),
      showDialog: (p: unknown, c: any, extra?: any) => imjoy.pm.createWindow(p, c, { ...extra, dialog: true }),
    },
    default_base_frame: lib + 'base_frame.html',
    default_rpc_base_url: lib,
  });
  imjoy.pm.internal_plugins = {};
  const close = (w: any) => {
    void windowClosed(w.window_id);
    if (typeof w.close === 'function') void w.close();
    wm.removeWindow(w);
  };
  imjoy.event_bus.on('add_window', (w: wm.ImJoyWindow) => wm.addWindow(w, close));
  imjoy.event_bus.on('close_window', (w: wm.ImJoyWindow) => wm.removeWindow(w));
  window.imjoy = imjoy;
  await imjoy.start({ workspace: 'default' });
  window.api = imjoy.api;

  const runPlugin = async (p: { uri: string; type?: string; name?: string }, config: Record<string, string> = {}) => {
    try {
      if (p.type === 'window') {
        const w = await imjoy.api.createWindow({ src: p.uri, config, data: {} });
        return w;
      }
      const plugin = await imjoy.api.getPlugin({ src: p.uri });
      if (typeof plugin.run === 'function') await plugin.run({ config, data: {} });
      return plugin;
    } catch (e) {
      ui.showMessage(`Failed to run ${p.name ?? p.uri}: ${(e as Error)?.message ?? e}`, 10);
      throw e;
    }
  };

  const manifestUrl = params.get('repo') ?? params.get('r') ?? new URL('manifest.imjoy.json', location.href).href;
  try {
    window.manifestPlugins = await loadManifest(manifestUrl);
  } catch (e) {
    window.manifestPlugins = [];
    ui.showMessage(`Could not load the plugin manifest ${manifestUrl}: ${(e as Error).message}`, 10);
  }
  listPlugins(window.manifestPlugins, (p) => void runPlugin(p));
  // Python and other Hypha clients reach the plugins through this connection; the page works without it.
  window.rpcReady = startRpcBridge({ imjoy, plugins: () => window.manifestPlugins, closeWindow: close, params }).catch((e) => {
    console.warn('imjoy-share: no RPC connection:', e);
    return undefined;
  });

  // getPlugin returns a bare proxy for window plugins; the plugin manager knows name and type.
  const loadAndList = async (uri: string) => {
    await imjoy.api.getPlugin({ src: uri });
    const loaded: any = Object.values(imjoy.pm.plugins).find((p: any) => p.config?.origin === uri);
    const entry = { name: loaded?.name ?? uri, type: loaded?.config?.type, uri };
    if (!window.manifestPlugins.some((p) => p.uri === uri)) listPlugins([entry], (p) => void runPlugin(p));
    return entry;
  };

  document.getElementById('layout-toggle')!.onclick = (e) => wm.toggleLayout(e.currentTarget as HTMLElement);
  document.getElementById('load-form')!.onsubmit = async (e) => {
    e.preventDefault();
    const url = (document.getElementById('load-url') as HTMLInputElement).value.trim();
    if (!url) return;
    const error = document.getElementById('load-error')!;
    error.hidden = true;
    try {
      if (url.endsWith('.json')) {
        const more = await loadManifest(url);
        window.manifestPlugins.push(...more);
        listPlugins(more, (p) => void runPlugin(p));
        ui.showMessage(`Listed ${more.length} plugin(s) from ${url}`);
      } else {
        const entry = await loadAndList(new URL(url, location.href).href);
        ui.showMessage(`Loaded plugin ${entry.name}`);
      }
    } catch (err) {
      // imjoy-core rejects with a string or an Error, sometimes with nothing useful: name the URL
      const why = String((err as Error)?.message ?? err ?? 'unknown error');
      error.textContent = `Could not load ${url}: ${why}`;
      error.hidden = false;
      ui.showMessage(error.textContent, 10);
    }
  };

  // ImJoy-style URL parameters: plugin/p loads a plugin URL, start/s runs one (every parameter
  // becomes ctx.config), slides opens a deck.
  const pluginUrl = params.get('plugin') ?? params.get('p');
  const start = params.get('start') ?? params.get('s');
  const config = Object.fromEntries(params.entries());
  if (pluginUrl) {
    const known = window.manifestPlugins.find((p) => p.name === pluginUrl);
    const entry = await loadAndList(known?.uri ?? new URL(pluginUrl, location.href).href);
    if (!start) ui.showMessage(`Loaded plugin ${entry.name}`);
  }
  if (start) {
    const p = window.manifestPlugins.find((x) => x.name === start);
    const target = p ?? { uri: pluginUrl ? new URL(pluginUrl, location.href).href : start, name: start };
    (window as any).started = await runPlugin(target, config);
  }
  const slides = params.get('slides');
  if (slides) {
    const deckUrl = /^[\w-]+$/.test(slides) ? new URL(`slides/${slides}.md`, location.href).href : new URL(slides, location.href).href;
    await startSlides(document.getElementById('slides-root')!, deckUrl, imjoy.api);
  }
}

window.imjoyReady = boot().then(
  () => {
    window.imjoyStarted = true;
  },
  (e) => {
    window.imjoyError = String((e as Error)?.stack ?? e);
    console.error('imjoy-share host failed to start', e);
    throw e;
  },
);
