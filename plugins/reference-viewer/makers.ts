/**
 * Which reference makers this plugin bundles. ZIP is left out until the browser build can bundle
 * unzipit (it imports Node's worker_threads; build.mjs needs `external: ['worker_threads']`):
 * zipped OME-Zarr then works through references made by the CLI/`share` instead.
 */
import { tiffMaker } from '../../src/viewer/makers.js';
import type { OpenViewerOptions } from '../../src/viewer/open.js';

export const MAKERS: OpenViewerOptions['makers'] = { tiff: tiffMaker };
