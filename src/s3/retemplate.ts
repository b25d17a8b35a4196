import type { References } from '../reference/types.js';

/**
 * The same references pointing at a fresh URL: only `templates[name]` changes, which is why
 * every chunk is written as `["{{u}}", offset, length]`.
 */
export function retemplate(refs: References, url: string, name = 'u'): References {
  if (refs.version !== 1) throw new Error('only version-1 references have templates to rotate');
  if (!(name in refs.templates)) throw new Error(`the references have no template "${name}" (they have: ${Object.keys(refs.templates).join(', ') || 'none'})`);
  return { ...refs, templates: { ...refs.templates, [name]: url } };
}
