/**
 * Scale bar: the longest "nice" length (1, 2 or 5 × 10^k in a readable unit) that fits in a
 * maximum on-screen width, from the physical pixel size of level 0 and the view zoom.
 */
const UNITS: [string, number][] = [
  // name, size in metres
  ['km', 1e3],
  ['m', 1],
  ['mm', 1e-3],
  ['µm', 1e-6],
  ['nm', 1e-9],
  ['pm', 1e-12],
];

/** UDUNITS-2 names NGFF uses for space axes, in metres. */
const SPACE_UNITS: Record<string, number> = {
  kilometer: 1e3,
  meter: 1,
  centimeter: 1e-2,
  millimeter: 1e-3,
  micrometer: 1e-6,
  nanometer: 1e-9,
  picometer: 1e-12,
  angstrom: 1e-10,
  km: 1e3,
  m: 1,
  cm: 1e-2,
  mm: 1e-3,
  um: 1e-6,
  µm: 1e-6,
  nm: 1e-9,
};

export interface ScaleBar {
  /** On-screen length in CSS pixels. */
  pixels: number;
  /** e.g. "20 µm", or "200 px" when the image has no physical unit. */
  label: string;
}

function unitToMetres(unit: string | undefined): number | undefined {
  return unit === undefined ? undefined : SPACE_UNITS[unit.toLowerCase()];
}

function niceBelow(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

/**
 * @param pixelSize physical size of one level-0 pixel along x, in `unit`
 * @param zoom log2 of screen pixels per level-0 pixel
 * @param maxPixels the widest bar allowed on screen
 */
export function scaleBar(pixelSize: number, unit: string | undefined, zoom: number, maxPixels = 150): ScaleBar {
  const screenPerPixel = 2 ** zoom;
  const metres = unitToMetres(unit);
  if (metres === undefined || !(pixelSize > 0)) {
    const len = niceBelow(maxPixels / screenPerPixel);
    return { pixels: len * screenPerPixel, label: `${fmt(len)} px` };
  }
  const maxMetres = (maxPixels / screenPerPixel) * pixelSize * metres;
  const len = niceBelow(maxMetres);
  const [name, size] = UNITS.find(([, s]) => len >= s) ?? UNITS[UNITS.length - 1];
  return { pixels: (len / (pixelSize * metres)) * screenPerPixel, label: `${fmt(len / size)} ${name}` };
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(3)));
}
