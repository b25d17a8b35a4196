/**
 * ReferenceBuilder writes the JSON text straight from chunk tables; V8's JSON.stringify of the
 * object form is the oracle (and JSON.parse must give the object back).
 */
import { describe, expect, it } from 'vitest';
import { ReferenceBuilder } from '../../src/reference/builder.js';

const text = (b: ReferenceBuilder) => new TextDecoder().decode(b.toJsonBytes());

describe('ReferenceBuilder', () => {
  it('writes grids, single ranges and metadata in insertion order, equal to JSON.stringify', () => {
    const b = new ReferenceBuilder('https://example.org/data.tif?X-Amz-Signature=ab"c\\d');
    b.setJson('.zgroup', { zarr_format: 2 });
    // 2 rows × 3 columns; tile (0,1) sparse by offset, (1,2) sparse by byte count
    b.addGrid({ prefix: '0/1.', suffix: '', offsets: [8, 0, 300, 400, 2 ** 32 + 5, 2 ** 53 - 1], byteCounts: [10, 20, 30, 40, 1 << 30, 0], first: 0, across: 3, down: 2 });
    b.setJson('0/.zattrs', { name: 'µ-tubules ✓ "quoted"', _ARRAY_DIMENSIONS: ['c', 'y', 'x'] });
    b.addRange('1/0.0', 0x7fffffff, 1);
    // `first` and a suffix (interleaved RGB keys end in ".0")
    b.addGrid({ prefix: '2/', suffix: '.0', offsets: [1, 2, 3, 4, 5], byteCounts: [1, 1, 1, 1, 1], first: 3, across: 1, down: 2 });
    const refs = b.toReferences();
    expect(Object.keys(refs.refs)).toEqual(['.zgroup', '0/1.0.0', '0/1.0.2', '0/1.1.0', '0/1.1.1', '0/.zattrs', '1/0.0', '2/0.0.0', '2/1.0.0']);
    expect(refs.refs['0/1.1.1']).toEqual(['{{u}}', 2 ** 32 + 5, 1 << 30]);
    expect(refs.refs['2/1.0.0']).toEqual(['{{u}}', 5, 1]);
    expect(text(b)).toBe(JSON.stringify(refs));
    expect(JSON.parse(text(b))).toEqual(refs);
    expect(b.chunkCount).toBe(7);
  });

  it('writes an empty set and digit carries right', () => {
    const empty = new ReferenceBuilder('u');
    expect(text(empty)).toBe(JSON.stringify({ version: 1, templates: { u: 'u' }, refs: {} }));
    const b = new ReferenceBuilder('u');
    const n = [9, 10, 99, 100, 0x3fffffff, 0x40000000, 999_999_999_999, 1_000_000_000_000, Number.MAX_SAFE_INTEGER];
    b.addGrid({ prefix: 'a/', suffix: '', offsets: n, byteCounts: n, first: 0, across: n.length, down: 1 });
    expect(text(b)).toBe(JSON.stringify(b.toReferences()));
  });

  it('grows its buffer across many rows', () => {
    const b = new ReferenceBuilder('u');
    const across = 300, down = 300;
    const offsets = Float64Array.from({ length: across * down }, (_, i) => 3e9 + i * 70_001);
    const counts = Float64Array.from({ length: across * down }, (_, i) => 1 + (i % 97));
    b.addGrid({ prefix: '0/0.', suffix: '', offsets, byteCounts: counts, first: 0, across, down });
    const t = text(b);
    expect(t.length).toBeGreaterThan(1 << 16);
    expect(t).toBe(JSON.stringify(b.toReferences()));
  });

  it('wraps an existing set (ZIP references) unchanged', () => {
    const refs = { version: 1 as const, templates: { u: 'x.zip', v: 'y' }, refs: { '.zgroup': '{"zarr_format":2}', 'a/0': ['{{u}}', 5, 6] as [string, number, number], whole: ['{{v}}'] as [string] } };
    const b = ReferenceBuilder.from(refs);
    expect(b.toReferences()).toEqual(refs);
    expect(text(b)).toBe(JSON.stringify(refs));
    expect(b.chunkCount).toBe(2);
  });
});
