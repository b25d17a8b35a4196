"""Synthetic SMLM localizations for `npm run bench -- potree`: filaments, clusters and background
in a 40 µm field, 8 columns, written with numpy + zipfile as a .smlm (stored, or deflated).

usage: potree_points.py <out.smlm> <points> [--deflate] [--las out.las]
The optional LAS (1.2, point format 0, positions only) is PotreeConverter's input for the same points.
"""
import json, struct, sys, zipfile
import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
deflate = '--deflate' in sys.argv
las = sys.argv[sys.argv.index('--las') + 1] if '--las' in sys.argv else None
rng = np.random.default_rng(2026)
d = np.zeros(n, dtype=[('x', '<f4'), ('y', '<f4'), ('z', '<f4'), ('frame', '<u4'), ('photons', '<f4'), ('sigma_xy', '<f4'), ('sigma_z', '<f4'), ('background', '<f4')])
nf, nc = int(n * 0.6), int(n * 0.3)
nb = n - nf - nc
# filaments: 200 random smooth curves
fid = rng.integers(0, 200, nf)
t = rng.random(nf)
a = rng.uniform(0, 2 * np.pi, (200, 3))
c0 = rng.uniform(5000, 35000, (200, 2))
d['x'][:nf] = c0[fid, 0] + 15000 * (t - 0.5) * np.cos(a[fid, 0]) + 1500 * np.sin(6 * t + a[fid, 1]) + rng.normal(0, 15, nf)
d['y'][:nf] = c0[fid, 1] + 15000 * (t - 0.5) * np.sin(a[fid, 0]) + 1500 * np.cos(5 * t + a[fid, 2]) + rng.normal(0, 15, nf)
d['z'][:nf] = 300 * np.sin(4 * t + a[fid, 1]) + rng.normal(0, 40, nf)
# clusters: 3000 dense blobs
cid = rng.integers(0, 3000, nc)
cc = np.column_stack([rng.uniform(0, 40000, (3000, 2)), rng.uniform(-400, 400, 3000)])
d['x'][nf:nf + nc] = cc[cid, 0] + rng.normal(0, 30, nc)
d['y'][nf:nf + nc] = cc[cid, 1] + rng.normal(0, 30, nc)
d['z'][nf:nf + nc] = cc[cid, 2] + rng.normal(0, 50, nc)
# background
d['x'][nf + nc:] = rng.uniform(0, 40000, nb)
d['y'][nf + nc:] = rng.uniform(0, 40000, nb)
d['z'][nf + nc:] = rng.uniform(-600, 600, nb)
d['frame'] = rng.integers(0, 50000, n)
d['photons'] = rng.lognormal(7, 0.6, n)
d['sigma_xy'] = rng.uniform(5, 25, n)
d['sigma_z'] = rng.uniform(15, 60, n)
d['background'] = rng.normal(100, 10, n)
names = list(d.dtype.names)
fmt = {'name': 'bench', 'type': 'table', 'mode': 'binary', 'extension': '.bin', 'columns': len(names), 'headers': names,
       'dtype': ['float32', 'float32', 'float32', 'uint32', 'float32', 'float32', 'float32', 'float32'], 'shape': [1] * len(names), 'units': ['nm'] * 3 + [''] * 5}
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED, allowZip64=True) as z:
    z.writestr('manifest.json', json.dumps({'format_version': '0.2', 'formats': {'bench': fmt}, 'files': [{'name': 'points.bin', 'format': 'bench', 'rows': n, 'type': 'table'}]}))
    with z.open('points.bin', 'w', force_zip64=True) as f:
        for i in range(0, n, 1 << 20):
            f.write(d[i:i + (1 << 20)].tobytes())
if las:
    scale = 0.01
    mins = np.array([d['x'].min(), d['y'].min(), d['z'].min()], dtype=np.float64)
    rec = np.zeros(n, dtype=[('X', '<i4'), ('Y', '<i4'), ('Z', '<i4'), ('intensity', '<u2'), ('flags', 'u1'), ('cls', 'u1'), ('angle', 'i1'), ('user', 'u1'), ('src', '<u2')])
    rec['X'] = np.round((d['x'] - mins[0]) / scale); rec['Y'] = np.round((d['y'] - mins[1]) / scale); rec['Z'] = np.round((d['z'] - mins[2]) / scale)
    rec['intensity'] = np.clip(d['photons'], 0, 65535)
    header = bytearray(227)
    header[0:4] = b'LASF'
    header[24:26] = bytes([1, 2])
    header[26:58] = b'imjoy-share bench'.ljust(32, b'\0')
    struct.pack_into('<HIIBHI', header, 94, 227, 227, 0, 0, 20, n)
    struct.pack_into('<ddd', header, 131, scale, scale, scale)
    struct.pack_into('<ddd', header, 155, mins[0], mins[1], mins[2])
    # the bounds of the stored integers: rounding may put a point up to half a step past the float
    # maximum, and PotreeConverter refuses points outside the header's box
    lo = mins + np.array([rec[k].min() for k in 'XYZ']) * scale
    hi = mins + np.array([rec[k].max() for k in 'XYZ']) * scale
    struct.pack_into('<dddddd', header, 179, hi[0], lo[0], hi[1], lo[1], hi[2], lo[2])
    with open(las, 'wb') as f:
        f.write(header)
        for i in range(0, n, 1 << 20):
            f.write(rec[i:i + (1 << 20)].tobytes())
