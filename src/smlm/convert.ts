import type { ProgressCallback } from '../progress.js';
import { csvHeaderLine, CsvParser, formatRows, type CsvColumn } from './csv.js';
import type { SmlmTable } from './types.js';
import { SmlmWriter, type TableStream, type WriterOptions } from './write.js';

export interface CsvToSmlmOptions extends WriterOptions {
  /** Named in errors and used as the table name. */
  sourceName?: string;
  tableName?: string;
  dtype?: 'float32' | 'float64';
  delimiter?: string;
  pixelSize?: number;
}

/**
 * Streams a localization CSV into a .smlm: text chunks in, ZIP bytes out through `sink`, with only
 * one batch of rows in memory at a time. Returns the columns and the row count.
 */
export async function csvToSmlm(
  text: AsyncIterable<string> | Iterable<string>,
  sink: (chunk: Uint8Array, final: boolean) => void,
  opts: CsvToSmlmOptions = {},
): Promise<{ columns: CsvColumn[]; rows: number }> {
  const writer = new SmlmWriter(sink, opts);
  let table: TableStream | undefined;
  let rows = 0;
  const parser = new CsvParser(
    (b) => {
      table ??= begin(parser.columns!);
      table.writeColumns(b.columns);
      rows += b.rows;
    },
    { name: opts.sourceName, delimiter: opts.delimiter },
  );
  const begin = (cols: CsvColumn[]) =>
    writer.beginTable({
      name: opts.tableName ?? 'localizations',
      columns: cols.map((c) => ({ name: c.name, dtype: opts.dtype ?? 'float32' })),
      units: Object.fromEntries(cols.filter((c) => c.unit).map((c) => [c.name, c.unit!])),
      pixelSize: opts.pixelSize,
    });
  for await (const chunk of text) parser.push(chunk);
  const columns = parser.end();
  (table ??= begin(columns)).end();
  writer.finish();
  return { columns, rows };
}

/** Streams one table as CSV text (ThunderSTORM-style quoted headers with units). */
export async function tableToCsv(
  table: SmlmTable,
  write: (text: string) => void | Promise<void>,
  opts: { delimiter?: string; onProgress?: ProgressCallback; batchRows?: number } = {},
): Promise<void> {
  const d = opts.delimiter ?? ',';
  await write(csvHeaderLine(table.columns, table.units, d));
  const batch = opts.batchRows ?? 50_000;
  for (let r = 0; r < table.rows; r += batch) {
    const n = Math.min(batch, table.rows - r);
    await write(formatRows(table.columns, r, n, d));
    opts.onProgress?.(r + n, table.rows, table.name);
  }
}
