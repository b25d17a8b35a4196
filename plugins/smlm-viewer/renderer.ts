/**
 * three.js rendering of localization tables: one THREE.Points per table over typed-array attributes
 * (no per-point objects), a RawShaderMaterial doing colour mapping, point/splat sizing and the
 * frame/precision filters on the GPU (uniforms, so filtering never touches the arrays), and
 * rendering on demand only.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { colormapLut, hexToRgb } from '../../src/smlm/colormaps.js';
import { boundsFromStats, boundsOf, findColumn, fitView, float32Into, float32Target, positionsInto, robustRange, type Bounds, type View2D } from '../../src/smlm/points.js';
import type { SmlmTable } from '../../src/smlm/types.js';

export interface LayerStyle {
  visible: boolean;
  color: string;
  opacity: number;
}

export interface ViewSettings {
  mode: '2d' | '3d';
  /** Column to colour by, or null for each table's own colour. */
  colorBy: string | null;
  colormap: string;
  /** Colour range of colorBy; null = 2nd–98th percentile. */
  valueRange: [number, number] | null;
  pointSize: number;
  sizeUnit: 'px' | 'nm';
  /** 'splats': Gaussian splats sized by localization precision, blended additively. */
  render: 'points' | 'splats';
  frameRange: [number, number] | null;
  precisionMax: number | null;
}

const PALETTE = ['#ff3b30', '#ff2dd4', '#00e5ff', '#34c759', '#3d7bff', '#ffd60a'];

const VERT = /* glsl */ `
precision highp float;
precision highp int;
in vec3 position;
in float a_value;
in float a_frame;
in float a_prec;
uniform mat4 modelViewMatrix;
uniform mat4 projectionMatrix;
uniform vec2 u_valueRange;
uniform vec2 u_frameRange;
uniform float u_precMax;
uniform float u_size;       // px (sizeUnit px) or nm
uniform int u_sizeNm;       // 1: u_size is in nm
uniform int u_splat;        // 1: diameter = 6 sigma (sigma = a_prec nm) when precision is known
uniform int u_hasPrec;
uniform float u_pxPerNm;    // orthographic scale, device px per nm
uniform int u_persp;
uniform float u_viewportH;  // device px
uniform float u_dpr;
out float v_t;
out float v_alpha;
out float v_size;
void main() {
  if (a_frame < u_frameRange.x || a_frame > u_frameRange.y || (u_hasPrec == 1 && a_prec > u_precMax)) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    return;
  }
  vec4 mv = modelViewMatrix * vec4(position, 1.0);
  gl_Position = projectionMatrix * mv;
  float pxPerNm = u_persp == 1 ? u_viewportH * projectionMatrix[1][1] * 0.5 / max(-mv.z, 1e-6) : u_pxPerNm;
  float size;
  if (u_splat == 1 && u_hasPrec == 1) size = 6.0 * a_prec * pxPerNm;
  else if (u_sizeNm == 1 || u_splat == 1) size = u_size * pxPerNm;
  else size = u_size * u_dpr;
  // Points smaller than a pixel keep their integrated brightness (density-like rendering).
  v_alpha = size < 1.0 ? max(size * size, 1.0 / 64.0) : 1.0;
  gl_PointSize = max(size, 1.0);
  v_size = gl_PointSize;
  v_t = clamp((a_value - u_valueRange.x) / max(u_valueRange.y - u_valueRange.x, 1e-30), 0.0, 1.0);
}`;

const FRAG = /* glsl */ `
precision highp float;
precision highp int;
in float v_t;
in float v_alpha;
in float v_size;
uniform sampler2D u_cmap;
uniform int u_useCmap;
uniform vec3 u_color;
uniform float u_opacity;
uniform int u_splat;
out vec4 outColor;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r2 = dot(c, c);
  // Points of a few pixels are not masked to a disc: a 1-px point whose centre is off the pixel
  // centre would otherwise be discarded (21% of them: the corners outside the inscribed circle).
  if (v_size < 3.0) r2 = 0.0;
  if (r2 > 1.0) discard;
  // Splat: a Gaussian with sigma = radius / 3 (the point diameter is 6 sigma).
  float a = u_splat == 1 ? exp(-4.5 * r2) : 1.0;
  vec3 col = u_useCmap == 1 ? texture(u_cmap, vec2(v_t, 0.5)).rgb : u_color;
  outColor = vec4(col, a * v_alpha * u_opacity);
}`;

/** A per-point float attribute fed from a column: shared = the column array itself (no copy). */
interface Feed {
  column?: string;
  data: Float32Array;
  shared: boolean;
  attr: THREE.BufferAttribute;
}

interface Layer {
  table: SmlmTable;
  geometry: THREE.BufferGeometry;
  material: THREE.RawShaderMaterial;
  points: THREE.Points;
  style: LayerStyle;
  frameCol?: string;
  precCol?: string;
  position: THREE.BufferAttribute;
  feeds: { a_frame: Feed; a_prec: Feed; a_value: Feed };
  /** Rows uploaded so far (progressive loading draws [0, loaded)). */
  loaded: number;
}

const BIG = 3.0e38;

export class SmlmRenderer {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  /** Rotated 180° about x: data y grows downwards like image rows, z points away from the viewer. */
  readonly group = new THREE.Group();
  readonly ortho = new THREE.OrthographicCamera(-1, 1, 1, -1, -1e9, 1e9);
  readonly persp = new THREE.PerspectiveCamera(45, 1, 1, 1e9);
  readonly controls: OrbitControls;
  layers: Layer[] = [];
  bounds: Bounds = { min: [0, 0, 0], max: [1, 1, 0] };
  center: [number, number, number] = [0, 0, 0];
  view2d: View2D = { center: [0, 0], nmPerPx: 1 };
  settings: ViewSettings = { mode: '2d', colorBy: null, colormap: 'viridis', valueRange: null, pointSize: 2, sizeUnit: 'px', render: 'points', frameRange: null, precisionMax: null };
  private cmap: THREE.DataTexture;
  private pending = false;
  private currentRange: [number, number] = [0, 1];

  constructor(
    readonly container: HTMLElement,
    readonly onRender: () => void = () => {},
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: false, alpha: false, preserveDrawingBuffer: false });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setClearColor(0x000000, 1);
    container.appendChild(this.renderer.domElement);
    this.group.rotation.x = Math.PI;
    this.scene.add(this.group);
    this.cmap = new THREE.DataTexture(colormapLut('viridis'), 256, 1, THREE.RGBAFormat);
    this.cmap.magFilter = THREE.LinearFilter;
    this.cmap.needsUpdate = true;
    this.controls = new OrbitControls(this.persp, this.renderer.domElement);
    this.controls.enabled = false;
    this.controls.addEventListener('change', () => this.requestRender());
    this.controls.addEventListener('start', () => (this.userMoved = true));
    this.install2dControls();
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  get width() {
    return Math.max(1, this.container.clientWidth);
  }
  get height() {
    return Math.max(1, this.container.clientHeight);
  }

  /** Shows whole tables at once. */
  setTables(tables: SmlmTable[], styles: LayerStyle[] = []): void {
    this.begin(styles, tables.length ? boundsOf(tables) : undefined);
    tables.forEach((t) => this.addTable(t));
    tables.forEach((t, i) => this.rowsArrived(i, 0, t.rows));
    this.finish();
  }

  private styles: LayerStyle[] = [];
  private centered = false;
  private userMoved = false;

  /**
   * Progressive loading: begin(), then addTable() per table (column arrays allocated full size, filled
   * later), rowsArrived() as blocks land (uploads only that range), finish() to refit and rescale.
   */
  begin(styles: LayerStyle[] = [], bounds?: Bounds): void {
    for (const l of this.layers) {
      this.group.remove(l.points);
      l.geometry.dispose();
      l.material.dispose();
    }
    this.layers = [];
    this.styles = styles;
    this.centered = false;
    this.userMoved = false;
    if (bounds) this.setCenter(bounds);
  }

  private setCenter(b: Bounds): void {
    this.bounds = b;
    this.center = [(b.min[0] + b.max[0]) / 2, (b.min[1] + b.max[1]) / 2, (b.min[2] + b.max[2]) / 2];
    this.centered = true;
    this.fit();
  }

  addTable(table: SmlmTable): void {
    const i = this.layers.length;
    if (!this.centered) {
      const b = boundsFromStats(table);
      if (b) this.setCenter(b);
    }
    const geometry = new THREE.BufferGeometry();
    const position = new THREE.BufferAttribute(new Float32Array(table.rows * 3), 3);
    geometry.setAttribute('position', position);
    const frameCol = findColumn(table, 'frame');
    const precCol = findColumn(table, 'precision');
    const feed = (name: string, column?: string): Feed => {
      const t = column ? float32Target(table, column) : { data: new Float32Array(table.rows), shared: false };
      const attr = new THREE.BufferAttribute(t.data, 1);
      geometry.setAttribute(name, attr);
      return { column, data: t.data, shared: t.shared, attr };
    };
    const feeds = { a_frame: feed('a_frame', frameCol), a_prec: feed('a_prec', precCol), a_value: feed('a_value', this.valueColumn(table)) };
    geometry.setDrawRange(0, 0);
    const material = new THREE.RawShaderMaterial({
      glslVersion: THREE.GLSL3,
      vertexShader: VERT,
      fragmentShader: FRAG,
      transparent: true,
      depthTest: false,
      depthWrite: false,
      uniforms: {
        u_valueRange: { value: new THREE.Vector2(0, 1) },
        u_frameRange: { value: new THREE.Vector2(-BIG, BIG) },
        u_precMax: { value: BIG },
        u_size: { value: 2 },
        u_sizeNm: { value: 0 },
        u_splat: { value: 0 },
        u_hasPrec: { value: precCol ? 1 : 0 },
        u_pxPerNm: { value: 1 },
        u_persp: { value: 0 },
        u_viewportH: { value: 1 },
        u_dpr: { value: 1 },
        u_cmap: { value: this.cmap },
        u_useCmap: { value: 0 },
        u_color: { value: new THREE.Color() },
        u_opacity: { value: 0.85 },
      },
    });
    const points = new THREE.Points(geometry, material);
    points.frustumCulled = false; // skips a bounding-sphere pass over millions of points
    this.group.add(points);
    const style = this.styles[i] ?? { visible: true, color: PALETTE[i % PALETTE.length], opacity: 0.85 };
    this.layers.push({ table, geometry, material, points, style, frameCol, precCol, position, feeds, loaded: 0 });
    this.applySettings();
  }

  private valueColumn(t: SmlmTable): string | undefined {
    const c = this.settings.colorBy;
    return c && t.columns.some((x) => x.name === c && x.data.length === t.rows) ? c : undefined;
  }

  /** Rows [row0, row0+n) of table i are now in its column arrays: convert and upload just them. */
  rowsArrived(i: number, row0: number, n: number): void {
    const l = this.layers[i];
    if (!this.centered) this.setCenter(boundsOf([l.table], { row0, n }));
    positionsInto(l.position.array as Float32Array, l.table, this.center, row0, n);
    l.position.addUpdateRange(row0 * 3, n * 3);
    l.position.needsUpdate = true;
    for (const f of Object.values(l.feeds)) {
      if (f.column && !f.shared) float32Into(f.data, l.table, f.column, row0, n);
      f.attr.addUpdateRange(row0, n);
      f.attr.needsUpdate = true;
    }
    l.loaded = Math.max(l.loaded, row0 + n);
    l.geometry.setDrawRange(0, l.loaded);
    this.requestRender();
  }

  /** All rows are in: true bounds, refit (unless the user moved the view), colour range. */
  finish(): void {
    const tables = this.layers.map((l) => l.table);
    if (tables.length) {
      const b = boundsOf(tables);
      this.bounds = b;
      if (!this.userMoved) this.fit();
    }
    this.updateValues();
    this.applySettings();
  }

  /** Column names present in any table (for the colour-by menu). */
  columns(): string[] {
    return [...new Set(this.layers.flatMap((l) => l.table.columns.filter((c) => c.data.length === l.table.rows).map((c) => c.name)))];
  }

  fit(): void {
    this.view2d = fitView(this.bounds, this.width, this.height);
    const b = this.bounds;
    const r = Math.max(b.max[0] - b.min[0], b.max[1] - b.min[1], b.max[2] - b.min[2], 1) * 0.5;
    const d = r / Math.tan((this.persp.fov * Math.PI) / 360) * 1.2;
    // Tilted, not straight down the z axis: seen from above, a 3D cloud looks like the 2D view
    // until someone drags it; 35° shows depth at once.
    const tilt = (35 * Math.PI) / 180;
    this.persp.position.set(0, -d * Math.sin(tilt), d * Math.cos(tilt));
    this.persp.up.set(0, 1, 0);
    this.controls.target.set(0, 0, 0);
    this.persp.near = d / 1000;
    this.persp.far = d * 100;
    this.persp.updateProjectionMatrix();
    this.controls.update();
  }

  setLayerStyle(i: number, s: Partial<LayerStyle>): void {
    const l = this.layers[i];
    if (!l) throw new Error(`no table #${i}`);
    Object.assign(l.style, s);
    this.applySettings();
  }

  update(s: Partial<ViewSettings>): void {
    if (s.mode && s.mode !== '2d' && s.mode !== '3d') throw new Error(`mode must be "2d" or "3d", not "${s.mode}"`);
    if (s.colormap) colormapLut(s.colormap); // validates the name
    if (s.colorBy && !this.columns().includes(s.colorBy)) throw new Error(`no column "${s.colorBy}" to colour by (columns: ${this.columns().join(', ')})`);
    const colorByChanged = 'colorBy' in s && s.colorBy !== this.settings.colorBy;
    Object.assign(this.settings, s);
    if (s.colormap) {
      this.cmap.image.data = colormapLut(s.colormap);
      this.cmap.needsUpdate = true;
    }
    if (colorByChanged || 'valueRange' in s || 'frameRange' in s) this.updateValues();
    this.applySettings();
  }

  /** The colour range in use (for the colorbar). */
  get valueRange(): [number, number] {
    return this.currentRange;
  }

  private updateValues(): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const l of this.layers) {
      const column = this.valueColumn(l.table);
      const t = column ? float32Target(l.table, column) : { data: new Float32Array(l.table.rows), shared: false };
      if (column && !t.shared) float32Into(t.data, l.table, column, 0, l.loaded);
      const attr = new THREE.BufferAttribute(t.data, 1);
      l.geometry.setAttribute('a_value', attr);
      l.feeds.a_value = { column, data: t.data, shared: t.shared, attr };
      if (column) {
        const frames = this.settings.frameRange && l.frameCol ? { values: l.feeds.a_frame.data.subarray(0, l.loaded), range: this.settings.frameRange } : undefined;
        const [a, b] = robustRange(t.data.subarray(0, l.loaded), 0.02, 0.98, frames);
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
    }
    this.currentRange = this.settings.valueRange ?? (lo < hi ? [lo, hi] : [0, 1]);
  }

  private applySettings(): void {
    const s = this.settings;
    this.controls.enabled = s.mode === '3d';
    for (const l of this.layers) {
      const u = l.material.uniforms;
      l.points.visible = l.style.visible;
      u.u_color.value.setRGB(...(hexToRgb(l.style.color).map((v) => v / 255) as [number, number, number]), THREE.SRGBColorSpace);
      u.u_opacity.value = l.style.opacity;
      u.u_useCmap.value = s.colorBy && l.table.columns.some((c) => c.name === s.colorBy) ? 1 : 0;
      u.u_valueRange.value.set(...this.currentRange);
      u.u_frameRange.value.set(...(s.frameRange && l.frameCol ? s.frameRange : [-BIG, BIG]));
      u.u_precMax.value = s.precisionMax ?? BIG;
      u.u_size.value = s.pointSize;
      u.u_sizeNm.value = s.sizeUnit === 'nm' ? 1 : 0;
      u.u_splat.value = s.render === 'splats' ? 1 : 0;
      l.material.blending = s.render === 'splats' ? THREE.AdditiveBlending : THREE.NormalBlending;
    }
    this.requestRender();
  }

  private install2dControls(): void {
    const el = this.renderer.domElement;
    let drag: { x: number; y: number; c: [number, number] } | undefined;
    el.addEventListener('pointerdown', (e) => {
      if (this.settings.mode !== '2d') return;
      drag = { x: e.clientX, y: e.clientY, c: [...this.view2d.center] };
      this.userMoved = true;
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointermove', (e) => {
      if (!drag || this.settings.mode !== '2d') return;
      const k = this.view2d.nmPerPx;
      this.view2d.center = [drag.c[0] - (e.clientX - drag.x) * k, drag.c[1] - (e.clientY - drag.y) * k];
      this.requestRender();
    });
    el.addEventListener('pointerup', () => (drag = undefined));
    el.addEventListener(
      'wheel',
      (e) => {
        if (this.settings.mode !== '2d') return;
        e.preventDefault();
        this.userMoved = true;
        const r = el.getBoundingClientRect();
        const f = Math.exp(e.deltaY * 0.0015);
        const v = this.view2d;
        // Zoom about the cursor: the data point under it stays put.
        const px = e.clientX - r.left - this.width / 2;
        const py = e.clientY - r.top - this.height / 2;
        const dx = v.center[0] + px * v.nmPerPx;
        const dy = v.center[1] + py * v.nmPerPx;
        v.nmPerPx *= f;
        v.center = [dx - px * v.nmPerPx, dy - py * v.nmPerPx];
        this.requestRender();
      },
      { passive: false },
    );
  }

  resize(): void {
    this.renderer.setSize(this.width, this.height, false);
    this.renderer.domElement.style.width = '100%';
    this.renderer.domElement.style.height = '100%';
    this.persp.aspect = this.width / this.height;
    this.persp.updateProjectionMatrix();
    this.requestRender();
  }

  requestRender(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.render();
    });
  }

  render(): void {
    const dpr = this.renderer.getPixelRatio();
    const W = this.width;
    const H = this.height;
    let camera: THREE.Camera;
    if (this.settings.mode === '2d') {
      const v = this.view2d;
      const o = this.ortho;
      o.left = (-W / 2) * v.nmPerPx;
      o.right = (W / 2) * v.nmPerPx;
      o.top = (H / 2) * v.nmPerPx;
      o.bottom = (-H / 2) * v.nmPerPx;
      // The group flips y, so data (x, y) sits at world (x - cx, -(y - cy)).
      o.position.set(v.center[0] - this.center[0], -(v.center[1] - this.center[1]), 0);
      o.updateProjectionMatrix();
      camera = o;
    } else {
      camera = this.persp;
    }
    for (const l of this.layers) {
      const u = l.material.uniforms;
      u.u_pxPerNm.value = dpr / this.view2d.nmPerPx;
      u.u_persp.value = this.settings.mode === '3d' ? 1 : 0;
      u.u_viewportH.value = H * dpr;
      u.u_dpr.value = dpr;
    }
    this.renderer.render(this.scene, camera);
    this.onRender();
  }

  /** Nanometres per CSS pixel at the centre of the view (the 3D value is at the orbit target). */
  nmPerPx(): number {
    if (this.settings.mode === '2d') return this.view2d.nmPerPx;
    const d = this.persp.position.distanceTo(this.controls.target);
    return (2 * d * Math.tan((this.persp.fov * Math.PI) / 360)) / this.height;
  }

  /** A PNG of the current view (rendered now, so the drawing buffer is still valid). */
  screenshot(): string {
    this.render();
    return this.renderer.domElement.toDataURL('image/png');
  }

  dispose(): void {
    this.setTables([]);
    this.renderer.dispose();
  }
}
