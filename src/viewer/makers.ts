/** The reference makers the viewer uses for zipped OME-Zarr and OME-TIFF sources. */
import { zipReferences } from '../reference/from-zip.js';
import type { ReferenceMaker } from './resolve.js';

export const defaultMakers: Partial<Record<'zip' | 'tiff', ReferenceMaker>> = {
  zip: (source, opts) => zipReferences(source, opts),
};
