/**
 * Model format 0.5.x (spec model/v0_5.py): axis objects, sizes (fixed, parameterized,
 * references), halo, data descriptions, processing, test tensors, FAIR warnings, weights.
 */
import { arr, bool, type Check, type Ctx, fail, int, isObj, nullable, num, obj, oneOfValues, str, tagged, union } from '../check.js';
import type { Path } from '../types.js';
import { author, documentation, fileDescr, resourceId, version, type Family } from './common.js';
import { formatVersion, genericChecker, linkedDataset, modelBase03 } from './generic.js';
import { checkProcessing05, DTYPES } from './processing.js';
import { checkWeights } from './weights.js';

const AXIS_ID = str({ min: 1, max: 16 });
const TENSOR_ID = str({ min: 1, max: 32 });
const SPACE_UNITS = ['attometer', 'angstrom', 'centimeter', 'decimeter', 'exameter', 'femtometer', 'foot', 'gigameter', 'hectometer', 'inch', 'kilometer', 'megameter', 'meter', 'micrometer', 'mile', 'millimeter', 'nanometer', 'parsec', 'petameter', 'picometer', 'terameter', 'yard', 'yoctometer', 'yottameter', 'zeptometer', 'zettameter'];
const TIME_UNITS = ['attosecond', 'centisecond', 'day', 'decisecond', 'exasecond', 'femtosecond', 'gigasecond', 'hectosecond', 'hour', 'kilosecond', 'megasecond', 'microsecond', 'millisecond', 'minute', 'nanosecond', 'petasecond', 'picosecond', 'second', 'terasecond', 'yoctosecond', 'yottasecond', 'zeptosecond', 'zettasecond'];

const paramSize = obj({ min: { check: int({ exclMin: 0 }), required: true }, step: { check: int({ exclMin: 0 }), required: true } }, { what: 'size {min, step}' });
const sizeRef = obj({ tensor_id: { check: TENSOR_ID, required: true }, axis_id: { check: AXIS_ID, required: true }, offset: int() }, { what: 'size {tensor_id, axis_id, offset?}' });
const dataDependent = obj({ min: int({ exclMin: 0 }), max: nullable(int({ exclMin: 1 })) }, { what: 'size {min?, max?}' });
const fixedSize = int({ exclMin: 0 });

const inSize = union(fixedSize, paramSize, sizeRef);
const outSize = union(fixedSize, sizeRef);

const spaceTime = (units: string[], io: 'in' | 'out', type: string): Check =>
  obj({
    type: { check: str(), required: true },
    id: AXIS_ID,
    size: { check: io === 'in' ? inSize : outSize, required: true },
    unit: nullable(oneOfValues(units, `${type} unit`)),
    scale: num({ exclMin: 0 }),
    ...(io === 'in' ? { concatenable: bool } : { halo: int({ min: 1 }) }),
    description: str({ max: 128 }),
  });

const axisCases = (io: 'in' | 'out'): Record<string, Check> => ({
  batch: obj({ type: str(), id: AXIS_ID, size: nullable((v, p, c) => v === 1 || fail(c, p, `batch size must be 1 or null (is ${JSON.stringify(v)})`)), description: str({ max: 128 }) }),
  channel: obj({ type: str(), id: AXIS_ID, channel_names: { check: arr(str({ min: 1 }), { min: 1 }), required: true }, description: str({ max: 128 }) }),
  index: obj({ type: str(), id: AXIS_ID, size: { check: io === 'in' ? inSize : union(fixedSize, sizeRef, dataDependent), required: true }, ...(io === 'in' ? { concatenable: bool } : {}), description: str({ max: 128 }) }),
  time: spaceTime(TIME_UNITS, io, 'time'),
  space: spaceTime(SPACE_UNITS, io, 'space'),
});

const rangeEntry: Check = (v, p, c) => v === null || typeof v === 'number' || fail(c, p, 'expected a number or null');
const intervalData = obj({ type: oneOfValues(DTYPES.filter((t) => t !== 'bool'), 'data type'), range: arr(rangeEntry, { min: 2, max: 2 }), unit: str(), scale: num(), offset: nullable(num()) });
const nominalData = obj({ values: { check: arr(union(num(), str(), bool), { min: 1 }), required: true }, type: oneOfValues(DTYPES, 'data type'), unit: str() });
const dataDescr: Check = (v, p, ctx) => (isObj(v) && 'values' in v ? nominalData(v, p, ctx) : intervalData(v, p, ctx));
const data = union(dataDescr, arr(dataDescr, { min: 1 }));

const tensorId: Check = (v, p, ctx) => {
  if (!TENSOR_ID(v, p, ctx)) return false;
  if (!/^[a-z_][a-z0-9_]*$/.test(v as string)) ctx.warn(p, `tensor id ${JSON.stringify(v)} should be a lowercase identifier`);
  return true;
};

const testTensor: Check = (v, p, ctx) => {
  if (!fileDescr(v, p, ctx)) return false;
  const src = (v as { source: string }).source;
  if (!/\.npy$/.test(src.replace(/[?#].*$/, ''))) return fail(ctx, [...p, 'source'], `test tensor ${JSON.stringify(src)} must be a .npy file`);
  return true;
};

const tensor = (io: 'in' | 'out') =>
  obj({
    id: tensorId,
    description: str({ max: 128 }),
    axes: { check: arr(tagged('type', axisCases(io), 'axis type'), { min: 1 }), required: true },
    test_tensor: { check: testTensor, recommended: 'test tensors let anyone check the model reproduces its results' },
    sample_tensor: { check: fileDescr, recommended: 'a sample tensor shows users what input to expect' },
    data,
    ...(io === 'in' ? { optional: bool, preprocessing: (v, p, c) => Array.isArray(v) || fail(c, p, 'expected a list') } : { postprocessing: (v: unknown, p: Path, c: Ctx) => Array.isArray(v) || fail(c, p, 'expected a list') }),
  });

const optS = nullable(str());
/** config.bioimageio of model 0.5 is typed (model card fields, reproducibility tolerances). */
const bioimageioConfig05 = obj(
  {
    reproducibility_tolerance: arr(
      obj(
        {
          relative_tolerance: num({ min: 0, max: 0.01 }),
          absolute_tolerance: num({ min: 0 }),
          mismatched_elements_per_million: int({ min: 0, max: 1000 }),
          output_ids: arr(TENSOR_ID),
          weights_formats: arr(oneOfValues(['keras_hdf5', 'onnx', 'pytorch_state_dict', 'tensorflow_js', 'tensorflow_saved_model_bundle', 'torchscript'], 'weights format')),
        },
        { closed: false },
      ),
    ),
    funded_by: optS,
    architecture_type: nullable(str({ max: 32 })),
    architecture_description: optS,
    modality: optS,
    target_structure: arr(str()),
    task: optS,
    new_version: nullable(str({ min: 1 })),
    out_of_scope_use: optS,
    bias_risks_limitations: obj({ known_biases: str(), risks: str(), limitations: optS, recommendations: str() }, { closed: false }),
    model_parameter_count: nullable(int()),
    training: obj(
      {
        training_preprocessing: optS,
        training_epochs: nullable(num()),
        training_batch_size: nullable(num()),
        initial_learning_rate: nullable(num()),
        learning_rate_schedule: optS,
        loss_function: optS,
        loss_function_kwargs: (v: unknown, p: Path, c: Ctx) => isObj(v) || fail(c, p, 'expected a mapping'),
        optimizer: optS,
        optimizer_kwargs: (v: unknown, p: Path, c: Ctx) => isObj(v) || fail(c, p, 'expected a mapping'),
        regularization: optS,
        training_duration: nullable(num()),
      },
      { closed: false },
    ),
    inference_time: optS,
    memory_requirements_inference: optS,
    memory_requirements_training: optS,
    evaluations: arr(
      obj(
        {
          model_id: nullable(str({ min: 1 })),
          dataset_id: { check: str({ min: 1 }), required: true },
          dataset_source: { check: str({ min: 1, max: 2083, format: 'uri' }), required: true },
          dataset_role: { check: oneOfValues(['train', 'validation', 'test', 'independent', 'unknown'], 'dataset_role'), required: true },
          sample_count: { check: int(), required: true },
          evaluation_factors: { check: arr(str({ max: 16 })), required: true },
          evaluation_factors_long: { check: arr(str()), required: true },
          metrics: { check: arr(str({ max: 16 })), required: true },
          metrics_long: { check: arr(str()), required: true },
          results: { check: arr(arr(union(str(), num()))), required: true },
          results_summary: optS,
        },
        { closed: false },
      ),
    ),
    environmental_impact: obj({ hardware_type: optS, hours_used: nullable(num()), cloud_provider: optS, compute_region: optS, co2_emitted: nullable(num()) }, { closed: false }),
  },
  { closed: false },
);

/** ModelDescr 0.5 fields in the spec's order (the generic 0.3 base first, then the model's own). */
function modelFields05() {
  const b = modelBase03();
  return {
    ...b,
    format_version: { check: formatVersion('0.5.7'), required: true },
    type: { check: (v: unknown, p: Path, c: Ctx) => v === 'model' || fail(c, p, `must be "model", got ${JSON.stringify(v)}`), required: true },
    id: nullable(resourceId),
    documentation: { check: documentation('v03'), recommended: 'needed for FAIR compliance (findable, citable resources)' },
    inputs: { check: arr(tensor('in'), { min: 1 }), required: true },
    outputs: { check: arr(tensor('out'), { min: 1 }), required: true },
    packaged_by: arr(author('v03' as Family)),
    parent: nullable(obj({ id: { check: resourceId, required: true }, version: nullable(version) })),
    run_mode: nullable(obj({ name: { check: str(), required: true }, kwargs: (v: unknown, p: Path, c: Ctx) => isObj(v) || fail(c, p, 'expected a mapping') })),
    timestamp: str({ format: 'date-time' }),
    training_data: nullable(union(linkedDataset('v03'), genericChecker('dataset', 'v03'), genericChecker('dataset', 'v02'))),
    weights: { check: (v: unknown, p: Path, c: Ctx) => checkWeights(v, p, c, '0.5'), required: true },
    config: obj({ bioimageio: bioimageioConfig05 }, { extra: 'allow' }),
  };
}

interface Axis {
  id: string;
  type: string;
  size: unknown;
  scale: number;
  unit: unknown;
  halo?: number;
  path: Path;
}

interface T05 {
  id: string;
  io: 'in' | 'out';
  axes: Axis[];
  path: Path;
  raw: Record<string, unknown>;
}

const DEFAULT_AXIS_ID: Record<string, string> = { batch: 'batch', channel: 'channel', index: 'index', time: 'time', space: 'x' };

let root: Check | undefined;

export function checkModel05(d: Record<string, unknown>, ctx: Ctx): void {
  root ??= obj(modelFields05() as never);
  // The tensor rules below are validators of `inputs`/`outputs` that the official library runs only
  // when those fields are valid (whatever the other fields hold).
  const before = ctx.issues.length;
  root(d, [], ctx);
  if (ctx.issues.slice(before).some((i) => i.severity === 'error' && /^(inputs|outputs)(\.|$)/.test(i.path))) return;
  const ins = tensors05(d.inputs, 'in');
  const outs = tensors05(d.outputs, 'out');
  const all = [...ins, ...outs];
  const seenIds = new Map<string, Path>();
  for (const t of all) {
    const prev = seenIds.get(t.id);
    if (prev) ctx.error(['outputs'], `tensor id "${t.id}" of ${t.path.join('.')} is already used by ${prev.join('.')}; tensor ids must be unique across inputs and outputs`, [...t.path, 'id']);
    else seenIds.set(t.id, t.path);
  }
  const byId = new Map<string, T05>();
  // With duplicate ids (reported above) references resolve to the first tensor, inputs first.
  for (const t of all) if (!byId.has(t.id)) byId.set(t.id, t);

  for (const t of all) {
    const seen = new Set<string>();
    let batches = 0;
    for (const a of t.axes) {
      if (seen.has(a.id)) ctx.error([...a.path, 'id'], `axis id "${a.id}" appears twice in tensor "${t.id}"`);
      seen.add(a.id);
      if (a.type === 'batch') batches++;
      if (a.halo !== undefined && !isObj(a.size)) ctx.error([...a.path, 'halo'], 'an axis with a halo needs a size reference ({tensor_id, axis_id}) as its size');
      if (isObj(a.size) && 'tensor_id' in a.size) sizeReference(a, t, byId, ctx);
    }
    if (batches > 1) ctx.error([...t.path, 'axes'], `tensor "${t.id}" has ${batches} batch axes; at most one is allowed`);
    perChannelData(t, ctx);
  }

  const inputIds = ins.map((t) => t.id);
  for (const t of all) {
    const kind = t.io === 'in' ? 'preprocessing' : 'postprocessing';
    const steps = t.raw[kind];
    if (steps == null) continue;
    const axisSize = new Map<string, number>();
    for (const a of t.axes) {
      if (typeof a.size === 'number') axisSize.set(a.id, a.size);
      if (a.type === 'channel') axisSize.set(a.id, (a as unknown as { n: number }).n);
    }
    checkProcessing05(steps, [...t.path, kind], ctx, { axes: t.axes.map((a) => a.id), axisSize, tensorName: t.id, inputNames: inputIds, kind });
  }
  const tol = isObj(d.config) && isObj(d.config.bioimageio) ? d.config.bioimageio.reproducibility_tolerance : undefined;
  if (Array.isArray(tol)) {
    const outIds = outs.map((t) => t.id);
    tol.forEach((t, i) => {
      if (!isObj(t) || !Array.isArray(t.output_ids)) return;
      t.output_ids.forEach((o, j) => {
        if (typeof o === 'string' && !outIds.includes(o)) ctx.error(['config', 'bioimageio', 'reproducibility_tolerance', i, 'output_ids', j], `"${o}" is not an output tensor id (outputs: ${outIds.join(', ')})`);
      });
    });
  }
}

function tensors05(list: unknown, io: 'in' | 'out'): T05[] {
  if (!Array.isArray(list)) return [];
  const key = io === 'in' ? 'inputs' : 'outputs';
  return list.flatMap((t, i) => {
    if (!isObj(t) || !Array.isArray(t.axes)) return [];
    const axes = t.axes.flatMap((a, j): Axis[] => {
      if (!isObj(a) || typeof a.type !== 'string') return [];
      const ax: Axis & { n?: number } = {
        id: typeof a.id === 'string' ? a.id : DEFAULT_AXIS_ID[a.type] ?? a.type,
        type: a.type,
        size: a.type === 'batch' ? (a.size ?? 1) : a.type === 'channel' ? (Array.isArray(a.channel_names) ? a.channel_names.length : undefined) : a.size,
        scale: typeof a.scale === 'number' ? a.scale : 1,
        unit: a.unit ?? null,
        halo: typeof a.halo === 'number' ? a.halo : undefined,
        path: [key, i, 'axes', j],
      };
      if (a.type === 'channel') ax.n = ax.size as number;
      return [ax];
    });
    return [{ id: typeof t.id === 'string' ? t.id : io === 'in' ? 'input' : 'output', io, axes, path: [key, i], raw: t }];
  });
}

function sizeReference(a: Axis, t: T05, byId: Map<string, T05>, ctx: Ctx): void {
  const ref = a.size as { tensor_id: unknown; axis_id: unknown; offset?: unknown };
  const p = [...a.path, 'size'];
  if (typeof ref.tensor_id !== 'string' || typeof ref.axis_id !== 'string') return;
  const rt = byId.get(ref.tensor_id);
  if (!rt) return void ctx.error([...p, 'tensor_id'], `size refers to tensor "${ref.tensor_id}", which does not exist (tensors: ${[...byId.keys()].join(', ')})`);
  const ra = rt.axes.find((x) => x.id === ref.axis_id);
  if (!ra) return void ctx.error([...p, 'axis_id'], `tensor "${rt.id}" has no axis "${ref.axis_id}" (axes: ${rt.axes.map((x) => x.id).join(', ')})`);
  if (rt === t && ra === a) return void ctx.error(p, 'an axis size cannot refer to itself');
  if (ra.type === 'batch') return void ctx.error([...p, 'axis_id'], 'a size cannot refer to a batch axis');
  if (isObj(ra.size) && 'tensor_id' in ra.size) return void ctx.error([...p, 'axis_id'], `axis "${rt.id}.${ra.id}" is itself a size reference; refer to the axis it refers to`);
  if (isObj(ra.size) && !('min' in ra.size && 'step' in ra.size) && !('tensor_id' in ra.size)) {
    return void ctx.error([...p, 'axis_id'], `axis "${rt.id}.${ra.id}" has a data-dependent size and cannot be referenced`);
  }
  if ((ra.unit ?? null) !== (a.unit ?? null)) ctx.error([...p, 'axis_id'], `unit ${JSON.stringify(a.unit)} differs from the referenced axis unit ${JSON.stringify(ra.unit)}`);
  // Minimal size of this axis: int(ref_min * ref.scale / scale + offset); with a halo it must stay ≥ 1.
  const refMin = typeof ra.size === 'number' ? ra.size : isObj(ra.size) && typeof ra.size.min === 'number' ? ra.size.min : undefined;
  const offset = typeof ref.offset === 'number' ? ref.offset : 0;
  if (refMin !== undefined) {
    const size = Math.trunc((refMin * ra.scale) / a.scale + offset);
    if (size < 1) ctx.error(p, `the smallest referenced size ${refMin} gives ${size} for this axis; sizes must be ≥ 1`);
    if (a.halo !== undefined) {
      if (size - 2 * a.halo < 1) ctx.error([...a.path, 'halo'], `halo ${a.halo} leaves ${size - 2 * a.halo} pixels of the smallest output size ${size} (needs size − 2·halo ≥ 1)`);
      const inHalo = (a.halo * a.scale) / ra.scale;
      if (!Number.isInteger(inHalo)) ctx.error([...a.path, 'halo'], `halo ${a.halo} corresponds to ${inHalo} pixels of "${rt.id}.${ra.id}" (scale ${ra.scale} vs ${a.scale}); it must be a whole number`);
    }
  }
}

function perChannelData(t: T05, ctx: Ctx): void {
  const d = t.raw.data;
  if (!Array.isArray(d)) return;
  const ch = t.axes.find((a) => a.type === 'channel');
  if (!ch) return void ctx.error([...t.path, 'data'], 'a list of data descriptions (one per channel) needs a channel axis');
  if (typeof ch.size === 'number' && d.length !== ch.size) ctx.error([...t.path, 'data'], `${d.length} data descriptions for ${ch.size} channels; give one per channel`);
}
