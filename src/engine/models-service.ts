/**
 * The collection's models as a Hypha service (`imjoy-share-models`): numpy / ImJoy ndarrays in,
 * the first output's ndarray out — the same pool as HTTP /models (its queue limit included).
 */
import { fromRpc, isRpcNdArray, toRpc } from '../ndarray/ndarray.js';
import { toPluginNdarray, toWireNdarray } from '../rpc/ndarray-wire.js';
import type { ModelPool } from './models.js';

/** A Python caller's keywords arrive as one trailing plain object (hypha-rpc JS 0.21.19). */
function named(given: unknown[], names: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const last = given[given.length - 1];
  const kw = !!last && typeof last === 'object' && Object.getPrototypeOf(last) === Object.prototype && !isRpcNdArray(last) && Object.keys(last).every((k) => names.includes(k) || k === '_rkwargs');
  (kw ? given.slice(0, -1) : given).forEach((v, i) => {
    if (i < names.length) out[names[i]!] = v;
  });
  if (kw) Object.assign(out, last);
  return out;
}

export function modelsService(pool: ModelPool) {
  return {
    id: 'imjoy-share-models',
    name: 'imjoy-share models',
    description: "ONNX models of the engine's collection: predict (ndarray in, ndarray out) and the spec test",
    config: { visibility: 'protected' },
    list_models: () => pool.list(),
    predict: async (...a: unknown[]) => {
      const { id, array, block } = named(a, ['id', 'array', 'block']);
      if (typeof id !== 'string' || !id) throw new Error('predict needs a model id (list_models() names them)');
      if (!isRpcNdArray(array)) throw new Error('predict needs an array: a numpy array, or {_rtype: "ndarray", _rvalue, _rshape, _rdtype}');
      const input = fromRpc(toPluginNdarray(array));
      const r = await pool.predict(id, { array: input }, { block: block as Record<string, number> | undefined, name: 'the array' });
      return toWireNdarray(toRpc(r.outputs[r.first]!));
    },
    test: async (...a: unknown[]) => {
      const { id } = named(a, ['id']);
      if (typeof id !== 'string' || !id) throw new Error('test needs a model id');
      return pool.test(id);
    },
  };
}
