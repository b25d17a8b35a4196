/**
 * Markdown from an RDF (documentation, descriptions) → sanitized HTML. `marked` renders, DOMPurify
 * removes scripts, event handlers and javascript:/data: links (its default URI allow-list), and
 * relative links/images are resolved against the document's URL. Needs a DOM window.
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';

const SAFE_URL = /^(https?:|mailto:|#)/i;

export function createSanitizer(win: Window & typeof globalThis) {
  const purify = DOMPurify(win);
  let base: string | undefined;
  purify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    for (const attr of ['href', 'src']) {
      const v = el.getAttribute?.(attr);
      if (v == null) continue;
      let abs: string | undefined;
      try {
        abs = base ? new URL(v, base).href : SAFE_URL.test(v) ? v : undefined;
      } catch {
        abs = undefined;
      }
      // Only http(s)/mailto/fragments survive; anything else (relative without a base, blob:, …) is dropped.
      if (abs && SAFE_URL.test(abs)) el.setAttribute(attr, abs);
      else el.removeAttribute(attr);
    }
    if (el.tagName === 'A') {
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
  const options = {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
    FORBID_ATTR: ['style'],
    ALLOW_DATA_ATTR: false,
  };
  return {
    /** Sanitized HTML for markdown text; `baseUrl` resolves relative links and images. */
    markdown(md: string, baseUrl?: string): string {
      base = baseUrl;
      try {
        const html = marked.parse(md, { async: false, gfm: true }) as string;
        return purify.sanitize(html, options) as unknown as string;
      } finally {
        base = undefined;
      }
    },
    /** A URL safe to put in href/src, or undefined. */
    safeUrl(u: string | undefined, baseUrl?: string): string | undefined {
      if (!u) return undefined;
      try {
        const abs = baseUrl ? new URL(u, baseUrl).href : u;
        return /^https?:\/\//i.test(abs) ? abs : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
