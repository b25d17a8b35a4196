import { describe, expect, it } from 'vitest';
import { readCollection, searchCollection } from '../../src/rdf/collection.js';
import { convertAxes04 } from '../../src/rdf/convert.js';

// The 0.4 → 0.5 preview against the spec's own 0.5 file, and cards of zoo RDFs: card-collection.corpus.test.ts.
describe('0.4 → 0.5 axes', () => {
  it('implicit scale s becomes axis scale 1/s, offset doubles (upsample model)', () => {
    const a = convertAxes04('bcyx', { reference_tensor: 'input', scale: [1, 0, 4, 4], offset: [0, 0.5, 0, 3] }, undefined, 'bcyx');
    expect(a[1]).toEqual({ type: 'channel', channel_names: ['channel0'] });
    expect(a[2]).toEqual({ type: 'space', id: 'y', size: { tensor_id: 'input', axis_id: 'y', offset: 0 }, scale: 0.25 });
    expect(a[3]!.size).toEqual({ tensor_id: 'input', axis_id: 'x', offset: 6 });
  });
});


describe('collections', () => {
  const legacy = {
    collection: [
      { id: '10.5281/zenodo.5764892', type: 'model', name: 'NucleiSegmentationBoundaryModel', nickname: 'affable-shark', description: 'Nucleus segmentation for fluorescence microscopy', tags: ['nuclei', 'unet', 'onnx'], authors: [{ name: 'Constantin Pape' }], license: 'CC-BY-4.0', rdf_source: 'rdfs/affable-shark/rdf.yaml' },
      { id: 'ilastik/covid_if_training_data', type: 'dataset', name: 'Covid-IF Training Data', tags: ['covid19', 'cells'], description: 'IF data' },
      { id: 'notebook-1', type: 'notebook', name: 'ZeroCostDL4Mic', tags: ['colab'], description: 'notebooks' },
    ],
  };

  it('reads legacy collection.json and resolves rdf_source', () => {
    const e = readCollection(legacy, 'https://bioimage-io.github.io/collection-bioimage-io/');
    expect(e.map((x) => x.type)).toEqual(['model', 'dataset', 'notebook']);
    expect(e[0]!.rdf_source).toBe('https://bioimage-io.github.io/collection-bioimage-io/rdfs/affable-shark/rdf.yaml');
  });

  it('reads the backoffice index.json form', () => {
    const e = readCollection({ items: [{ id: 'affable-shark', type: 'model', versions: [{ version: 'v1', source: 'https://h/rdf.yaml' }] }] });
    expect(e[0]).toMatchObject({ id: 'affable-shark', versions: ['v1'], rdf_source: 'https://h/rdf.yaml' });
  });

  it('search: terms, type: and tag:', () => {
    const e = readCollection(legacy);
    expect(searchCollection(e, 'nucleus').map((x) => x.id)).toEqual(['10.5281/zenodo.5764892']);
    expect(searchCollection(e, 'type:dataset').map((x) => x.id)).toEqual(['ilastik/covid_if_training_data']);
    expect(searchCollection(e, 'tag:onnx pape').length).toBe(1);
    expect(searchCollection(e, 'tag:onnx nobody')).toEqual([]);
    expect(searchCollection(e, '').length).toBe(3);
  });

  it('rejects what is not a collection', () => {
    expect(() => readCollection({ name: 'x' })).toThrow(/not a collection/);
  });
});
