// Pure helpers of the slides runtime (no DOM), so they are unit-tested in Node.

/** Plugin sources that are URLs (not inline plugin code or `user/repo:Name` URIs) resolve against the deck. */
export function resolveSrc(src: unknown, deckUrl: string): unknown {
  if (typeof src !== 'string' || src.includes('\n')) return src;
  if (/^[a-z][\w+.-]*:\/\//i.test(src)) return src; // already absolute
  if (!/^[./]/.test(src) && /^[^/]+\/[^/:]+:/.test(src)) return src; // user/repo:Plugin
  return new URL(src, deckUrl).href;
}

/** Wraps an ImJoy api so plugin URLs written relative to the deck work wherever the deck is hosted. */
export function deckApi<T extends Record<string, any>>(api: T, deckUrl: string): T {
  const withSrc = (fn: (...a: any[]) => any) => (cfg: any, ...rest: any[]) => {
    if (typeof cfg === 'string') return fn(resolveSrc(cfg, deckUrl), ...rest);
    if (cfg && typeof cfg === 'object' && 'src' in cfg) return fn({ ...cfg, src: resolveSrc(cfg.src, deckUrl) }, ...rest);
    return fn(cfg, ...rest);
  };
  const wrapped: Record<string, any> = Object.create(api);
  for (const name of ['getPlugin', 'loadPlugin', 'createWindow', 'showDialog']) {
    if (typeof api[name] === 'function') wrapped[name] = withSrc(api[name].bind(api));
  }
  return wrapped as T;
}

/**
 * ImJoy Slides runs fenced blocks marked ```javascript execute when the deck loads and removes
 * them from the slides. Returns the markdown without them and the code to run, in order.
 */
export function extractExecuteBlocks(markdown: string): { markdown: string; scripts: string[] } {
  const scripts: string[] = [];
  const out = markdown.replace(/^```(?:javascript|js)[ \t]+execute[ \t]*\r?\n([\s\S]*?)^```[ \t]*$/gm, (_m, code: string) => {
    scripts.push(code);
    return '';
  });
  return { markdown: out, scripts };
}

/** Separators as ImJoy Slides uses them: a line of exactly five dashes, or exactly three. */
export const HORIZONTAL_SEPARATOR = '^\\s*-----\\s*$';
export const VERTICAL_SEPARATOR = '^\\s*---\\s*$';

/** Splits a deck like reveal's markdown plugin does with our separators (used by tests and the outline). */
export function splitDeck(markdown: string): string[][] {
  return markdown
    .split(new RegExp(HORIZONTAL_SEPARATOR, 'm'))
    .map((h) => h.split(new RegExp(VERTICAL_SEPARATOR, 'm')).map((v) => v.trim()));
}
