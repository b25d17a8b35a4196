/**
 * The one way plugins talk to ImJoy and to their page: the typed ImJoy `api` (imjoy-rpc's typings
 * describe its RPC classes, not the plugin API, so the calls used here are typed here), `$` for the
 * window's elements, `el` to build DOM from data (text goes in as text, never as HTML), an error
 * box, and `withErrors` for API functions that show their failure in it and still reject.
 */

/** What ImJoy gives a plugin as `api` (the part the plugins use). */
export interface ImJoyApi {
  export(plugin: Record<string, unknown>): void;
  createWindow(config: { src: string; name?: string; window_id?: string; data?: unknown; config?: unknown }): Promise<any>;
  getWindow(name: string): Promise<any>;
  getConfig(name: string): Promise<unknown>;
  showMessage?(message: string): void;
}

/** The plugin's `api`, which imjoy-rpc puts on the frame's global object before the plugin runs. */
export function imjoy(): ImJoyApi {
  const api = (globalThis as { api?: ImJoyApi }).api;
  if (!api) throw new Error('no ImJoy api here: the plugin runs inside an ImJoy host');
  return api;
}

/** An element of the plugin's window by id. */
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'style' | 'children'>> & { class?: string; style?: string; data?: Record<string, string> };

/** `tag` with properties and children; strings become text nodes, so data never parses as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  const { class: cls, style, data, ...rest } = props;
  if (cls) e.className = cls;
  if (style) e.setAttribute('style', style);
  for (const [k, v] of Object.entries(data ?? {})) e.dataset[k] = v;
  Object.assign(e, rest);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** Shows an error (its message) in the element `id`, or hides it for `undefined` / ''. */
export function errorBox(id: string): (e?: unknown) => void {
  return (e) => {
    const box = $(id);
    const msg = e === undefined || e === '' ? '' : String((e as Error)?.message ?? e);
    box.hidden = !msg;
    box.textContent = msg;
  };
}

/** Runs `fn` with the error box cleared first, its failure shown there before it rejects. */
export async function withErrors<R>(show: (e?: unknown) => void, fn: () => Promise<R>): Promise<R> {
  show(undefined);
  try {
    return await fn();
  } catch (e) {
    show(e);
    throw e;
  }
}
