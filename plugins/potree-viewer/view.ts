/**
 * What the Potree Viewer shows of a cloud: the colour (any attribute through a colormap), which
 * channels and frames, a clip box, point size and budget — checked against the cloud's
 * metadata.json and applied to one potree-core material.
 */
import * as THREE from 'three';
import { ClipMode, createClipBox, PointCloudMaterial, PointColorType, PointSizeType } from 'potree-core';
import { COLORMAPS, hexToRgb } from '../../src/smlm/colormaps.js';

/** An attribute as metadata.json describes it. */
export interface Attribute {
  name: string;
  type: string;
  numElements: number;
  min: number[];
  max: number[];
}

type Vec3 = [number, number, number];
const SIZE_TYPES = { fixed: PointSizeType.FIXED, attenuated: PointSizeType.ATTENUATED, adaptive: PointSizeType.ADAPTIVE } as const;
type SizeType = keyof typeof SIZE_TYPES;

export interface View {
  /** An attribute with one element, or "position z" (elevation, in world units). */
  color_by: string;
  colormap: string;
  /** The attribute's values at the colormap's ends. */
  range: [number, number];
  point_budget: number;
  /** Pixels for 'fixed'; a multiple of the node's point spacing for 'attenuated' and 'adaptive'. */
  point_size: number;
  point_size_type: SizeType;
  clip_box: { min: Vec3; max: Vec3 } | null;
  /** First and last frame shown (inclusive); null: all. */
  frame_range: [number, number] | null;
  /** The channels shown; null: all. */
  channels: number[] | null;
  camera: { position: Vec3; target: Vec3 };
  /** 'opaque' (the nearest point wins) or 'additive' (points add up: brightness shows density). */
  blending: 'opaque' | 'additive';
  /** Additive: each point's share of full brightness, at the finest level of detail. */
  density_gain: number;
}

const KEYS = ['color_by', 'colormap', 'range', 'point_budget', 'point_size', 'point_size_type', 'clip_box', 'frame_range', 'channels', 'camera', 'blending', 'density_gain'] as const;
const ELEVATION = 'position z';
/** Levels of detail with a weight of their own (deeper ones share the last). */
const LEVELS = 32;
const CULL = 'gl_Position = vec4(100.0, 100.0, 100.0, 0.0); return;';

/**
 * potree-core's loader for metadata.json clouds (its DecoderWorker) decodes every attribute — any
 * type up to 4 bytes as its own value in a float32, doubles scaled to 0..1 over the attribute's
 * min..max — and sets it on each node's geometry under the attribute's own name; but its shader
 * declares only `intensity`, `classification` and a few other LAS names, so nothing else reaches it,
 * and its only filters are the classification LUT (in classification colouring alone) and clip
 * volumes. Rewriting metadata.json to rename the chosen attribute `intensity` would work for colour
 * (that decoder does not assume LAS's uint16 there) but reload every node per change and still leave
 * no filter by frame. So the vertex shader is patched
 * instead: three inputs of its own, fed by aliasing the chosen attributes on every geometry just
 * before it draws (no copy, no reload): `pv_color` replaces `intensity` in the intensity gradient;
 * `pv_channel` is looked up in the classification LUT (alpha 0 hides) and `pv_frame` compared with a
 * range, both before potree-core's clipping (whose culling is fixed too). Anchors missing (a
 * potree-core upgrade) fail loudly.
 */
const PATCHES: [anchor: string, replace: (a: string) => string][] = [
  ['in vec4 indices;', (a) => `${a}\nin float pv_color;\nin float pv_channel;\nin float pv_frame;\nuniform bool pvUseChannels;\nuniform bool pvUseFrames;\nuniform vec2 pvFrameRange;\nuniform float pvLevelWeight[${LEVELS}];`],
  // additive blending: each point weighs 1 / (the share of the points its level of detail shows),
  // found with potree-core's own getLOD (the deepest visible node at the point), so a region drawn
  // down to a coarse level is as bright as one drawn to the leaves: no steps at node borders
  ['#if (defined(adaptive_point_size) || defined(color_type_lod)) && defined(tree_type_octree)', () => '#if (defined(adaptive_point_size) || defined(color_type_lod) || defined(pv_density)) && defined(tree_type_octree)'],
  ['// NORMAL FILTERING', (a) => `#ifdef pv_density\n\tvOpacity *= pvLevelWeight[int(min(getLOD(), ${LEVELS - 1}.0))];\n\t#endif\n\n\t${a}`],
  ['float w = (intensity - intensityRange.x)', () => 'float w = (pv_color - intensityRange.x)'],
  [
    '// CLIPPING',
    (a) =>
      `if (pvUseChannels && texture(classificationLUT, vec2((pv_channel + 0.5) / 256.0, 0.5)).a == 0.0) { ${CULL} }\n` +
      `\tif (pvUseFrames && (pv_frame < pvFrameRange.x || pv_frame > pvFrameRange.y)) { ${CULL} }\n\t${a}`,
  ],
  // potree-core moves points outside the clip box to (1000, 1000, 1000, 1000): NDC (1, 1, 1), on the
  // clip volume's edge, so they all still draw in the top right corner; w = 0 puts them outside
  ['if (!insideAny) { gl_Position = vec4(1000.0); }', () => 'if (!insideAny) { gl_Position = vec4(100.0, 100.0, 100.0, 0.0); }'],
];

function patchVertexShader(src: string): string {
  let out = src;
  for (const [anchor, replace] of PATCHES) {
    if (out.split(anchor).length !== 2) throw new Error(`potree-core's vertex shader changed (no single "${anchor}"): the Potree Viewer's colour and filters need updating`);
    out = out.replace(anchor, replace(anchor));
  }
  return out;
}

/** Sets `alias` on `geometry` to its attribute `name` (the same buffer), or removes it. */
function alias(geometry: THREE.BufferGeometry, as: string, name: string | undefined) {
  const src = name ? geometry.getAttribute(name) : undefined;
  if (src) {
    if (geometry.getAttribute(as) !== src) geometry.setAttribute(as, src);
  } else if (geometry.getAttribute(as)) geometry.deleteAttribute(as);
}

/** potree-core's material with the patched vertex shader, for a cloud with `attributes`. */
export class ViewMaterial extends PointCloudMaterial {
  /** The attributes behind pv_color, pv_channel and pv_frame. */
  sources: { color?: string; channel?: string; frame?: string } = {};
  colormap = '';
  /** Additive blending with weights by level of detail. */
  density = false;

  constructor() {
    super({ size: 2, minSize: 2, pointSizeType: PointSizeType.FIXED } as never);
    Object.assign(this.uniforms, {
      pvUseChannels: { type: 'b', value: false },
      pvUseFrames: { type: 'b', value: false },
      pvFrameRange: { type: 'fv', value: [0, 0] },
      pvLevelWeight: { value: new Float32Array(LEVELS).fill(1) },
    });
    // potree-core converts the gradient from sRGB to linear with swapped branches, which saturates
    // every colour to white; with equal input and output encodings no conversion runs
    // (potree-core does not export its ColorEncoding enum: 1 is SRGB)
    this.inputColorEncoding = 1 as never;
    this.outputColorEncoding = 1 as never;
  }

  override applyDefines(src: string): string {
    const out = super.applyDefines(this.density ? `#define pv_density\n${src}` : src);
    return src.includes('in vec3 position;') ? patchVertexShader(out) : out;
  }

  /** Level weights from the share of the points each level of detail shows (cumulative, 0..1). */
  setLevelShares(shares: number[] | undefined) {
    const w = this.uniforms.pvLevelWeight!.value as Float32Array;
    w.fill(1);
    // a cloud without them (another converter's): every point weighs 1
    shares?.forEach((t, L) => {
      if (L < LEVELS && t > 0 && t <= 1) w[L] = 1 / t;
    });
    if (shares?.length) w.fill(w[Math.min(shares.length, LEVELS) - 1]!, Math.min(shares.length, LEVELS));
  }

  override updateMaterial(pco: never, visibleNodes: never, camera: never, renderer: never) {
    super.updateMaterial(pco, visibleNodes, camera, renderer);
    // potree-core fills the visible-node texture getLOD reads only for adaptive size or LOD colour
    if (this.density && this.pointSizeType !== PointSizeType.ADAPTIVE) (this as unknown as { updateVisibilityTextureData(n: unknown): void }).updateVisibilityTextureData(visibleNodes);
  }

  override onBeforeRender(_r: THREE.WebGLRenderer, _s: THREE.Scene, _c: THREE.Camera, geometry: THREE.BufferGeometry) {
    alias(geometry, 'pv_color', this.sources.color);
    alias(geometry, 'pv_channel', this.sources.channel);
    alias(geometry, 'pv_frame', this.sources.frame);
  }
}

/** A colormap of ours as potree-core's gradient; `new Color(hex)` keeps the hex exact on the canvas. */
function gradient(name: string): [number, THREE.Color][] {
  const stops = COLORMAPS[name]!;
  return stops.map((hex, i) => [i / (stops.length - 1), new THREE.Color().setRGB(...(hexToRgb(hex).map((c) => c / 255) as Vec3), THREE.SRGBColorSpace)]);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isVec = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every(isNum);
const fmt = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
};

/** The attributes one can colour by: every one-element attribute, and the elevation. */
export const colourable = (attrs: Attribute[]) => [ELEVATION, ...attrs.filter((a) => a.numElements === 1 && a.name !== 'position').map((a) => a.name)];

/** An attribute's [min, max] from metadata.json (the elevation: position's z). */
export function extent(attrs: Attribute[], name: string): [number, number] {
  const a = name === ELEVATION ? attrs.find((x) => x.name === 'position') : attrs.find((x) => x.name === name);
  const k = name === ELEVATION ? 2 : 0;
  const lo = a?.min?.[k] ?? 0;
  const hi = a?.max?.[k] ?? 1;
  return [lo, hi > lo ? hi : lo + 1];
}

/** The view a freshly loaded cloud starts with; `keep` carries the settings that are not the data's. */
export function defaultView(attrs: Attribute[], camera: View['camera'], keep?: View): View {
  return {
    color_by: ELEVATION,
    colormap: keep?.colormap ?? 'viridis',
    range: extent(attrs, ELEVATION),
    point_budget: keep?.point_budget ?? 2_000_000,
    point_size: keep?.point_size ?? 2,
    point_size_type: keep?.point_size_type ?? 'fixed',
    clip_box: null,
    frame_range: null,
    channels: null,
    camera,
    blending: keep?.blending ?? 'opaque',
    density_gain: keep?.density_gain ?? 0.05,
  };
}

/**
 * `view` with `change` applied, every value checked against the cloud's attributes: a bad one is a
 * one-line Error naming the key and what it accepts. Colouring by another attribute without a
 * range takes that attribute's min..max.
 */
export function nextView(view: View, change: Record<string, unknown>, attrs: Attribute[]): View {
  if (change === null || typeof change !== 'object' || Array.isArray(change)) throw new Error(`set_view: pass one object of settings (${KEYS.join(', ')}), not ${fmt(change)}`);
  // imjoy-rpc marks keyword arguments from Python with _rkwargs
  const unknown = Object.keys(change).filter((k) => !(KEYS as readonly string[]).includes(k) && k !== '_rkwargs');
  if (unknown.length) throw new Error(`set_view: unknown setting ${unknown.map((k) => `"${k}"`).join(', ')} (settings: ${KEYS.join(', ')})`);
  const c = change as Partial<Record<(typeof KEYS)[number], unknown>>;
  const next: View = { ...view };
  const has = (k: (typeof KEYS)[number]) => c[k] !== undefined;
  const names = attrs.map((a) => a.name);

  if (has('color_by')) {
    const options = colourable(attrs);
    if (typeof c.color_by !== 'string' || !options.includes(c.color_by)) throw new Error(`color_by: no attribute ${fmt(c.color_by)} in this cloud (it has: ${options.join(', ')})`);
    if (c.color_by !== view.color_by) next.range = extent(attrs, c.color_by);
    next.color_by = c.color_by;
  }
  if (has('colormap')) {
    if (typeof c.colormap !== 'string' || !COLORMAPS[c.colormap]) throw new Error(`colormap: unknown colormap ${fmt(c.colormap)} (colormaps: ${Object.keys(COLORMAPS).join(', ')})`);
    next.colormap = c.colormap;
  }
  if (has('range')) {
    if (!isVec(c.range, 2)) throw new Error(`range: expected [lo, hi], two numbers; got ${fmt(c.range)}`);
    const [lo, hi] = c.range as [number, number];
    if (!(lo < hi)) throw new Error(`range: lo must be below hi; got [${lo}, ${hi}]`);
    next.range = [lo, hi];
  }
  if (has('point_budget')) {
    if (!isNum(c.point_budget) || c.point_budget < 1) throw new Error(`point_budget: expected a positive number of points; got ${fmt(c.point_budget)}`);
    next.point_budget = Math.round(c.point_budget);
  }
  if (has('point_size')) {
    if (!isNum(c.point_size) || c.point_size <= 0 || c.point_size > 100) throw new Error(`point_size: expected a number in (0, 100]; got ${fmt(c.point_size)}`);
    next.point_size = c.point_size;
  }
  if (has('point_size_type')) {
    if (typeof c.point_size_type !== 'string' || !(c.point_size_type in SIZE_TYPES)) throw new Error(`point_size_type: expected ${Object.keys(SIZE_TYPES).join(', ')}; got ${fmt(c.point_size_type)}`);
    next.point_size_type = c.point_size_type as SizeType;
  }
  if (c.clip_box !== undefined) {
    const b = c.clip_box as { min?: unknown; max?: unknown } | null;
    if (b === null) next.clip_box = null;
    else {
      if (typeof b !== 'object' || !isVec(b.min, 3) || !isVec(b.max, 3)) throw new Error(`clip_box: expected {min: [x, y, z], max: [x, y, z]} or null; got ${fmt(b)}`);
      const [min, max] = [b.min as Vec3, b.max as Vec3];
      if (!min.every((v, i) => v < max[i]!)) throw new Error(`clip_box: min must be below max on every axis; got min ${fmt(min)}, max ${fmt(max)}`);
      next.clip_box = { min: [...min], max: [...max] };
    }
  }
  if (c.frame_range !== undefined) {
    if (c.frame_range !== null) {
      if (!names.includes('frame')) throw new Error(`frame_range: this cloud has no frame attribute (it has: ${names.join(', ')})`);
      if (!isVec(c.frame_range, 2)) throw new Error(`frame_range: expected [first, last], two numbers, or null; got ${fmt(c.frame_range)}`);
      const [a, b] = c.frame_range as [number, number];
      if (a > b) throw new Error(`frame_range: first must not be after last; got [${a}, ${b}]`);
    }
    next.frame_range = c.frame_range === null ? null : [...(c.frame_range as [number, number])];
  }
  if (c.channels !== undefined) {
    if (c.channels !== null) {
      if (!names.includes('channel')) throw new Error(`channels: this cloud has one channel (no channel attribute)`);
      const n = channelCount(attrs);
      const ok = Array.isArray(c.channels) && c.channels.every((v) => Number.isInteger(v) && v >= 0 && v < n);
      if (!ok) throw new Error(`channels: expected a list of channel numbers 0..${n - 1}, or null for all; got ${fmt(c.channels)}`);
    }
    next.channels = c.channels === null ? null : [...new Set(c.channels as number[])].sort((a, b) => a - b);
  }
  if (has('blending')) {
    if (c.blending !== 'opaque' && c.blending !== 'additive') throw new Error(`blending: expected "opaque" or "additive"; got ${fmt(c.blending)}`);
    next.blending = c.blending;
  }
  if (has('density_gain')) {
    if (!isNum(c.density_gain) || c.density_gain <= 0 || c.density_gain >= 1) throw new Error(`density_gain: expected a number in (0, 1), each point's share of full brightness; got ${fmt(c.density_gain)}`);
    next.density_gain = c.density_gain;
  }
  if (has('camera')) {
    const cam = c.camera as { position?: unknown; target?: unknown };
    const bad = typeof cam !== 'object' || (cam.position !== undefined && !isVec(cam.position, 3)) || (cam.target !== undefined && !isVec(cam.target, 3));
    if (bad) throw new Error(`camera: expected {position: [x, y, z], target: [x, y, z]}; got ${fmt(cam)}`);
    next.camera = { position: [...((cam.position as Vec3) ?? view.camera.position)], target: [...((cam.target as Vec3) ?? view.camera.target)] };
  }
  return next;
}

/** How many channels a cloud has: its channel attribute's max + 1 (1 without one). */
export function channelCount(attrs: Attribute[]): number {
  const a = attrs.find((x) => x.name === 'channel');
  return a ? Math.max(0, Math.round(a.max?.[0] ?? 0)) + 1 : 1;
}

/**
 * A value of attribute `name` as the shader sees it (a float32: integers exact up to 2^24): itself,
 * except doubles, which potree-core's decoder scales to 0..1 over the attribute's min..max (it has
 * no reader for int64 at all).
 */
function inShader(attrs: Attribute[], name: string, v: number): number {
  const a = attrs.find((x) => x.name === name);
  if (a?.type !== 'double') return v;
  const [lo, hi] = [a.min[0]!, a.max[0]!];
  return hi > lo ? (v - lo) / (hi - lo) : 0;
}

/** Applies the colour, filters, clip box and point size of `view` to `m`. */
export function applyView(m: ViewMaterial, view: View, attrs: Attribute[]) {
  // potree-core draws a new gradient texture on every assignment
  if (m.colormap !== view.colormap) m.gradient = gradient(view.colormap);
  m.colormap = view.colormap;
  if (view.color_by === ELEVATION) {
    m.pointColorType = PointColorType.HEIGHT;
    m.elevationRange = view.range;
    m.sources.color = undefined;
  } else {
    m.pointColorType = PointColorType.INTENSITY_GRADIENT;
    m.intensityRange = view.range.map((v) => inShader(attrs, view.color_by, v)) as [number, number];
    m.sources.color = view.color_by;
  }

  m.sources.channel = view.channels ? 'channel' : undefined;
  m.uniforms.pvUseChannels!.value = view.channels !== null;
  if (view.channels) {
    const on = new Set(view.channels);
    // every entry set: potree-core's LUT falls back to entry i % 32 for a missing i
    const lut: Record<string, THREE.Vector4> = { DEFAULT: new THREE.Vector4(1, 1, 1, 0) };
    for (let i = 0; i < 256; i++) lut[i] = new THREE.Vector4(1, 1, 1, on.has(i) ? 1 : 0);
    const old = m.uniforms.classificationLUT.value;
    m.classification = lut as never;
    if (old !== m.uniforms.classificationLUT.value) old?.dispose();
  }

  m.sources.frame = view.frame_range ? 'frame' : undefined;
  m.uniforms.pvUseFrames!.value = view.frame_range !== null;
  if (view.frame_range) m.uniforms.pvFrameRange!.value = view.frame_range.map((v) => inShader(attrs, 'frame', v));

  if (view.clip_box) {
    const min = new THREE.Vector3(...view.clip_box.min);
    const max = new THREE.Vector3(...view.clip_box.max);
    m.setClipBoxes([createClipBox(max.clone().sub(min), min.clone().add(max).multiplyScalar(0.5))]);
    m.clipMode = ClipMode.CLIP_OUTSIDE;
  } else {
    m.setClipBoxes([]);
    m.clipMode = ClipMode.DISABLED;
  }

  // potree-core blends additively whenever opacity < 1; the weights need the pv_density define
  const density = view.blending === 'additive';
  if (m.density !== density) {
    m.density = density;
    (m as unknown as { updateShaderSource(): void }).updateShaderSource();
  }
  m.opacity = density ? view.density_gain : 1;

  m.pointSizeType = SIZE_TYPES[view.point_size_type];
  m.size = view.point_size;
  m.minSize = view.point_size_type === 'fixed' ? view.point_size : 1;
  m.maxSize = Math.max(50, view.point_size);
}
