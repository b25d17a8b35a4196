export * from './types.js';
export { planTables, readSmlm, readSmlmManifest, type ReadSmlmOptions, type TablePlan } from './read.js';
export { SmlmWriter, writeSmlm, tableInput, type TableInput, type TableSpec, type ColumnSpec, type WriterOptions } from './write.js';
export { parseCsv, CsvParser, decodeText, formatFloat32, parseHeaderCell, type CsvColumn } from './csv.js';
export { csvToSmlm, tableToCsv } from './convert.js';
export { tableLayout, parseDType, DTYPE_SIZES } from './layout.js';
