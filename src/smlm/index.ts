export * from './types.js';
export { planTables, readSmlm, readSmlmManifest } from './read.js';
export { SmlmWriter, writeSmlm, tableInput } from './write.js';
export { parseCsv, decodeText, formatFloat32, parseHeaderCell } from './csv.js';
export { csvToSmlm, tableToCsv } from './convert.js';
