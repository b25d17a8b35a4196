import JSZip from 'jszip';

/**
 * A reader written the way ShareLoc.XYZ's "SMLM File IO" plugin reads .smlm files (JSZip: load the
 * whole archive, inflate each table whole, require rows × columns × 4 bytes, de-interleave byte by
 * byte and view each column as Float32Array). Used to show ShareLoc reads what we write, and as the
 * benchmark's comparison.
 */
export async function readLikeShareLoc(bytes: Uint8Array): Promise<{ manifest: any; tables: { name: string; columns: Record<string, Float32Array> }[] }> {
  const zip = await JSZip.loadAsync(bytes);
  const manifest = JSON.parse(await zip.file('manifest.json')!.async('string'));
  if (manifest.format_version !== '0.2') throw new Error(`unsupported format_version ${manifest.format_version}`);
  const tables = [];
  for (const f of manifest.files) {
    if (f.type !== 'table') continue;
    const fmt = manifest.formats[f.format];
    const bin = await zip.file(f.name)!.async('arraybuffer');
    const cols = fmt.headers.length;
    const rows = f.rows;
    if (bin.byteLength !== rows * cols * 4) throw new Error(`${f.name}: ${bin.byteLength} bytes is not rows × columns × 4`);
    const u8 = new Uint8Array(bin);
    const columns: Record<string, Float32Array> = {};
    for (let c = 0; c < cols; c++) {
      const col = new Uint8Array(rows * 4);
      for (let r = 0; r < rows; r++) for (let k = 0; k < 4; k++) col[r * 4 + k] = u8[r * cols * 4 + 4 * c + k];
      columns[fmt.headers[c]] = new Float32Array(col.buffer);
    }
    tables.push({ name: f.name, columns });
  }
  return { manifest, tables };
}
