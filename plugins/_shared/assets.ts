// Plugins ship large runtime assets (wasm, workers) next to their .imjoy.html, in a folder named
// like the plugin file. A plugin finds them relative to its own URL, which ImJoy exposes through the
// read-only config fields `_uri` / `_origin`, so it works from any host (ours, GitHub pages, a raw URL).

const isUrl = (s: unknown): s is string => typeof s === 'string' && /^https?:\/\//i.test(s);

/** The URL the plugin was loaded from, or undefined when it was loaded from source text. */
export async function pluginUrl(api: { getConfig(name: string): Promise<unknown> }): Promise<string | undefined> {
  for (const key of ['_uri', '_origin']) {
    const v = await api.getConfig(key).catch(() => undefined);
    if (isUrl(v)) return v.replace(/@[^/]*$/, '');
  }
  return undefined;
}

/** URL of an asset emitted by build.mjs into dist/plugins/<Name>/ (Name = the plugin file name). */
export async function assetUrl(api: { getConfig(name: string): Promise<unknown> }, rel: string): Promise<string> {
  const url = await pluginUrl(api);
  if (!url) throw new Error(`cannot locate plugin asset ${rel}: the plugin was not loaded from a URL`);
  const dir = url.replace(/\.imjoy\.html(\?.*)?$/, '/');
  return new URL(rel, dir).href;
}
