/**
 * Kerchunk version-1 reference sets: the output of the Reference maker (TIFF and ZIP) and the
 * input of `openReferences`.
 *
 * - `templates.u` holds the data file's URL (a pre-signed URL rotates by changing this one string).
 * - `refs[key]` is either inline content (a string: JSON metadata such as `.zgroup`, `.zarray`,
 *   `.zattrs`, or `base64:`-prefixed bytes), `[url]` (a whole file), or `[url, offset, length]`
 *   (a byte range; `url` is usually `"{{u}}"`).
 * - The root is a zarr v2 group with NGFF 0.4 `multiscales` + `omero` in `.zattrs`.
 */
export interface References {
  version: 1;
  templates: Record<string, string>;
  refs: Record<string, string | [string] | [string, number, number]>;
}

/** Store a JSON metadata document (e.g. `0/.zarray`) as a JSON string, as kerchunk expects. */
export function setJson(refs: References, key: string, value: unknown): void {
  refs.refs[key] = JSON.stringify(value);
}

/** An empty reference set whose chunks point at `url` through the template `u`. */
export function emptyReferences(url: string): References {
  return { version: 1, templates: { u: url }, refs: {} };
}
