import { execFileSync } from 'node:child_process';

/**
 * An independent .smlm reader: Debian's Python with zipfile + numpy (a structured little-endian
 * dtype built from the manifest, as shareloc-utils does), printing every column as JSON lists.
 */
const SCRIPT = String.raw`
import sys, json, zipfile
import numpy as np
z = zipfile.ZipFile(sys.argv[1])
m = json.loads(z.read('manifest.json'))
out = {'manifest': m, 'tables': []}
for f in m['files']:
    if f.get('type') != 'table':
        continue
    fmt = m['formats'][f['format']]
    shapes = fmt['shape'] if isinstance(fmt['shape'], list) else [fmt['shape']] * len(fmt['headers'])
    dt = np.dtype([(h, '<' + np.dtype(d).str[1:], tuple(s) if isinstance(s, list) else (s,) if s > 1 else ())
                   for h, d, s in zip(fmt['headers'], fmt['dtype'], shapes)])
    raw = z.read(f['name'])
    assert len(raw) == f['rows'] * dt.itemsize, (len(raw), f['rows'], dt.itemsize)
    rec = np.frombuffer(raw, dtype=dt)
    out['tables'].append({'name': f['name'], 'rows': f['rows'], 'itemsize': dt.itemsize, 'bytes': len(raw),
        'columns': {h: rec[h].reshape(-1).astype('float64').tolist() for h in fmt['headers']}})
json.dump(out, sys.stdout)
`;

export interface PyTable {
  name: string;
  rows: number;
  itemsize: number;
  bytes: number;
  columns: Record<string, number[]>;
}

export function pyReadSmlm(file: string): { manifest: any; tables: PyTable[] } {
  // the script as -c: a script file per test process was left behind in the temporary folder
  const out = execFileSync('/usr/bin/python3', ['-c', SCRIPT, file], { maxBuffer: 1 << 30 }).toString();
  return JSON.parse(out);
}
