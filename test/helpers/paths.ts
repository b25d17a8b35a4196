import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Real files written by independent tools; read in place, never copied into the repo. */
export const sharedData = path.resolve(repoRoot, '../shared/data');
/** Debian's python with zarr, tifffile, fsspec, numpy (not the pyenv one first on PATH). */
export const python = '/usr/bin/python3';
