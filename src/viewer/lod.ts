/**
 * Level-of-detail tile selection for an orthographic 2D view, following deck.gl's TileLayer rules
 * for non-geospatial views as viv's MultiscaleImageLayer configures them (zoom z = ceil(view zoom),
 * clamped to [-(levels-1), 0]; level = -z; tiles cover tileSize·2^level world pixels). The viewer
 * uses it to predict what a view needs (tests bound the requests by it, the benchmark plans pans).
 */
export interface OrthoView {
  /** World coordinates (level-0 pixels) at the centre of the canvas. */
  target: [number, number];
  /** log2 of screen pixels per world pixel. */
  zoom: number;
  width: number;
  height: number;
}

export interface TileIndex {
  x: number;
  y: number;
  level: number;
}

export function levelForZoom(zoom: number, levels: number): number {
  const z = Math.min(0, Math.max(-(levels - 1), Math.ceil(zoom)));
  return 0 - z;
}

/** The tiles of the chosen level that intersect the view, clipped to the image extent. */
export function visibleTiles(view: OrthoView, image: { width: number; height: number; levels: number; tileSize: number }): TileIndex[] {
  const level = levelForZoom(view.zoom, image.levels);
  const span = image.tileSize * 2 ** level;
  const scale = 2 ** view.zoom;
  const halfW = view.width / 2 / scale;
  const halfH = view.height / 2 / scale;
  const minX = Math.max(0, view.target[0] - halfW);
  const maxX = Math.min(image.width, view.target[0] + halfW);
  const minY = Math.max(0, view.target[1] - halfH);
  const maxY = Math.min(image.height, view.target[1] + halfH);
  const out: TileIndex[] = [];
  if (minX >= maxX || minY >= maxY) return out;
  for (let x = Math.floor(minX / span); x < maxX / span; x++) {
    for (let y = Math.floor(minY / span); y < maxY / span; y++) out.push({ x, y, level });
  }
  return out;
}

/** A view state that fits the whole image into the canvas (Vizarr's initial view). */
export function fitView(image: { width: number; height: number }, canvas: { width: number; height: number }): OrthoView {
  const zoom = Math.log2(Math.min(canvas.width / image.width, canvas.height / image.height));
  return { target: [image.width / 2, image.height / 2], zoom, width: canvas.width, height: canvas.height };
}
