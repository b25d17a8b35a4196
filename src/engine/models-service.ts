/**
 * The collection's models as a Hypha service (`imjoy-share-models`): numpy / ImJoy ndarrays in,
 * the first output's ndarray out — the same pool as HTTP /models (its queue limit included).
 */
import { fromRpc, isRpcNdArray, toRpc } from '../ndarray/ndarray.js';
import { toPluginNdarray, toWireNdarray } from '../rpc/ndarray-wire.js';
import type { ModelPool } from './models.js';
import { named } from './rpc-args.js';

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
