/** Comparing outputs with the test tensors, with bioimageio.core's tolerance rules. */
import { sizeOf, type NdArray } from '../ndarray/ndarray.js';
import type { ModelSpec, ToleranceRule } from './spec.js';

export interface OutputComparison {
  name: string;
  max_abs_diff: number;
  mismatched: number;
  total: number;
  passed: boolean;
  /** Why it failed when it is not a numeric mismatch (shape), or the tolerance used. */
  detail: string;
}

export interface Tolerance {
  rtol: number;
  atol: number;
  ppm: number;
  text: string;
}

/**
 * As bioimageio.core `_get_tolerance`: 0.5 → the first reproducibility_tolerance entry matching
 * the output and 'onnx' (else legacy test_kwargs.onnx, else rtol 1e-3, atol 1e-3, 100 ppm);
 * 0.4 → rtol 1e-3, atol 1e-5, no mismatches.
 */
export function toleranceFor(spec: ModelSpec, outputId: string): Tolerance {
  if (spec.major === '0.4') return { rtol: 1e-3, atol: 1e-5, ppm: 0, text: 'atol 1e-5, rtol 1e-3, no mismatches (0.4)' };
  let tol = { rtol: 1e-3, atol: 1e-3, ppm: 100 };
  const legacy = spec.legacyTestKwargs.onnx;
  if (legacy) tol = { rtol: legacy.relativeTolerance, atol: legacy.absoluteTolerance, ppm: 100 };
  const r: ToleranceRule | undefined = spec.tolerances.find(
    (t) => (t.outputIds.length === 0 || t.outputIds.includes(outputId)) && (t.weightsFormats.length === 0 || t.weightsFormats.includes('onnx')),
  );
  if (r) tol = { rtol: r.relativeTolerance, atol: r.absoluteTolerance, ppm: r.mismatchedElementsPerMillion };
  return { ...tol, text: `atol ${tol.atol}, rtol ${tol.rtol}, ≤ ${tol.ppm} mismatched per million` };
}

export function compareOutput(name: string, actual: NdArray, expected: NdArray, tol: Tolerance): OutputComparison {
  const total = sizeOf(expected.shape);
  if (actual.shape.join() !== expected.shape.join()) {
    return { name, max_abs_diff: Infinity, mismatched: total, total, passed: false, detail: `shape [${actual.shape}] differs from the expected [${expected.shape}]` };
  }
  let mismatched = 0;
  let maxAbs = 0;
  const a = actual.data;
  const e = expected.data;
  for (let i = 0; i < total; i++) {
    // both cast to float32 first, as core does
    const av = Math.fround(Number(a[i]));
    const ev = Math.fround(Number(e[i]));
    const d = Math.abs(av - ev);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (!(d <= tol.atol + tol.rtol * Math.abs(ev))) mismatched++;
  }
  const passed = (mismatched / total) * 1e6 <= tol.ppm;
  return { name, max_abs_diff: maxAbs, mismatched, total, passed, detail: tol.text };
}
