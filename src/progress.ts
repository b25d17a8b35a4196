/** Progress reporting from the core: `done` of `total` units (bytes, tiles, blocks, rows). */
export type ProgressCallback = (done: number, total: number, label?: string) => void;
