// A plugin's `<docs>` block (its docs.md, built into the .imjoy.html) shown from the host's "?"
// buttons: fetched from the plugin file, rendered as sanitized Markdown in a dialog.
import { createSanitizer } from '../src/rdf/markdown.js';
import { modal } from './ui.js';

/** The Markdown of a plugin file's <docs> block, or undefined when it has none. */
function docsOf(pluginHtml: string): string | undefined {
  const m = /<docs(?:\s[^>]*)?>([\s\S]*?)<\/docs>/i.exec(pluginHtml);
  return m ? m[1].replaceAll('<\\/docs', '</docs').trim() : undefined;
}

export async function showDocs(name: string, uri: string): Promise<void> {
  const res = await fetch(uri);
  if (!res.ok) throw new Error(`${uri}: HTTP ${res.status}`);
  const md = docsOf(await res.text());
  const body = document.createElement('div');
  body.className = 'plugin-docs';
  if (md) body.innerHTML = createSanitizer(window).markdown(md, uri);
  else body.textContent = `${name} has no documentation.`;
  await modal(`${name} — documentation`, body, []).result;
}
