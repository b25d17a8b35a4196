/**
 * The reference makers the viewer uses for sources that are not Zarr stores: zipped OME-Zarr and
 * OME-TIFF. Separate from resolve.ts so a bundle carries the ZIP/TIFF indexers only on request.
 */
import { zipReferences } from '../reference/from-zip.js';
import { tiffReferences } from '../reference/from-tiff.js';
import type { ReferenceMaker } from './resolve.js';

const tiffMaker: ReferenceMaker = (source, opts) => tiffReferences(source, opts);
const zipMaker: ReferenceMaker = (source, opts) => zipReferences(source, opts);

export const defaultMakers: Partial<Record<'zip' | 'tiff', ReferenceMaker>> = { zip: zipMaker, tiff: tiffMaker };
