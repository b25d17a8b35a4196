/** The reference makers this plugin bundles: zipped OME-Zarr and OME-TIFF, indexed in the browser. */
import { defaultMakers } from '../../src/viewer/makers.js';
import type { OpenViewerOptions } from '../../src/viewer/open.js';

export const MAKERS: OpenViewerOptions['makers'] = defaultMakers;
