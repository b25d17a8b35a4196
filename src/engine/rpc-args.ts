/**
 * Arguments of an engine service function by position or by name: a Python caller's keywords
 * arrive as one trailing plain object (hypha-rpc JS 0.21.19 keeps them as an argument, marked
 * `_rkwargs` when a JS client sends them). A trailing plain object counts as keywords only when
 * every key is a parameter name, so an object passed positionally (an ndarray) is not mistaken.
 */
import { isRpcNdArray } from '../ndarray/ndarray.js';

export function named<T extends Record<string, unknown>>(given: unknown[], names: (keyof T & string)[]): Partial<T> {
  const out: Record<string, unknown> = {};
  const last = given[given.length - 1];
  const kwargs =
    !!last &&
    typeof last === 'object' &&
    Object.getPrototypeOf(last) === Object.prototype &&
    !isRpcNdArray(last) &&
    Object.keys(last).every((k) => names.includes(k) || k === '_rkwargs');
  (kwargs ? given.slice(0, -1) : given).forEach((v, i) => {
    if (i < names.length) out[names[i]!] = v;
  });
  if (kwargs) for (const [k, v] of Object.entries(last as object)) if (k !== '_rkwargs') out[k] = v;
  return out as Partial<T>;
}
