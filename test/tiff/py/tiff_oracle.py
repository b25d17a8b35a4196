"""Independent oracle for TIFF references (Debian python3: tifffile, fsspec, zarr 2, numcodecs).

usage: tiff_oracle.py TIFF REFS_JSON OUTDIR
For each level L of the series in REFS_JSON (ours):
  * writes OUTDIR/L.npy: tifffile's pixels of level L (native byte order), axes rearranged to
    our _ARRAY_DIMENSIONS (missing length-1 axes added; tifffile 'S' samples = our 'c');
  * when every codec of the level is one stock numcodecs decodes, reads the level through
    fsspec ReferenceFileSystem + zarr and reports whether it equals tifffile's pixels.
  * when tifffile's write_fsspec supports the file, its sorted (offset, length) pairs per level.
Prints one JSON object on stdout.
"""
import json
import sys
from collections.abc import MutableMapping

import fsspec
import numcodecs
import numpy as np
import tifffile
import zarr

from libtiff_read import read_ifd

tif_path, refs_path, outdir = sys.argv[1:4]
refs = json.load(open(refs_path))
result = {'levels': [], 'tifffile_refs': None, 'tifffile_error': None}


def to_our_axes(arr, tif_axes, dims):
    tif_axes = tif_axes.replace('I', 'Z').replace('Q', 'Z')  # tifffile's generic page stack = our z
    tif_axes = tif_axes.replace('S', 'C') if 'C' not in tif_axes else tif_axes.replace('S', 'c_')
    names = list(tif_axes)
    for d in dims:
        if d.upper() not in names:
            arr = arr[np.newaxis]
            names.insert(0, d.upper())
    # drop tifffile axes of length 1 that we do not have
    keep = []
    for i, n in enumerate(names):
        if n.lower() in dims:
            keep.append(i)
        else:
            assert arr.shape[i] == 1, (tif_axes, dims, arr.shape)
    arr = arr.reshape([arr.shape[i] for i in keep])
    names = [names[i] for i in keep]
    order = [names.index(d.upper()) for d in dims]
    return np.ascontiguousarray(arr.transpose(order))


class KeyMap(MutableMapping):
    """Per-key view of the ReferenceFileSystem. fsspec 2022.11's batched getitems raises on a
    missing key (a sparse tile) instead of letting zarr use the fill value; per-key reads don't."""
    def __init__(self, fs):
        self.fs = fs
    def __getitem__(self, key):
        try:
            return self.fs.cat_file(key)
        except (FileNotFoundError, KeyError):
            raise KeyError(key)
    def __contains__(self, key):
        return key in self.fs.references
    def __iter__(self):
        return iter(self.fs.references)
    def __len__(self):
        return len(self.fs.references)
    def __setitem__(self, key, value):
        raise NotImplementedError
    def __delitem__(self, key):
        raise NotImplementedError


with tifffile.TiffFile(tif_path) as tif:
    series = tif.series[0]
    levels = series.levels
    nlev = sum(1 for k in refs['refs'] if k.endswith('/.zarray'))
    for lev in range(nlev):
        zarray = json.loads(refs['refs'][f'{lev}/.zarray'])
        dims = json.loads(refs['refs'][f'{lev}/.zattrs'])['_ARRAY_DIMENSIONS']
        if lev < len(levels):
            s = levels[lev]
            axes = s.axes
            try:
                expected = s.asarray()
                entry_decoder = 'tifffile'
            except ValueError as e:
                if 'imagecodecs' not in str(e):
                    raise
                # Debian's tifffile lacks this codec: decode each page with libtiff instead
                pages = [read_ifd(tif_path, p.offset) for p in s.pages]
                expected = np.stack(pages).reshape(s.shape)
                entry_decoder = 'libtiff'
        else:
            # tifffile does not see this level (a reduced-resolution chain of a non-OME file)
            page = tif.pages[lev]
            axes = page.axes
            expected = read_ifd(tif_path, page.offset)
            entry_decoder = 'libtiff'
        expected = to_our_axes(expected, axes, dims)
        expected = expected.astype(expected.dtype.newbyteorder('='))
        np.save(f'{outdir}/{lev}.npy', expected)
        entry = {'level': lev, 'shape': list(expected.shape), 'dtype': str(expected.dtype), 'decoder': entry_decoder}
        codecs = [c['id'] for c in ([zarray['compressor']] if zarray['compressor'] else []) + (zarray['filters'] or [])]
        try:
            readable = all(numcodecs.registry.get_codec({'id': c}) is not None for c in codecs)
        except Exception:
            readable = False
        entry['python_readable'] = readable
        if readable:
            fs = fsspec.filesystem('reference', fo=refs, remote_protocol='file')
            group = zarr.open_group(KeyMap(fs), mode='r')
            try:
                got = group[str(lev)][...]
                entry['python_equal'] = bool(got.shape == expected.shape and np.array_equal(got, expected))
                entry['python_shape'] = list(got.shape)
            except ValueError as e:
                entry['python_error'] = f'{type(e).__name__}: {e}'
        result['levels'].append(entry)
    try:
        import io
        store = series.aszarr()
        buf = io.StringIO()
        store.write_fsspec(buf, 'file:///', version=1)
        tr = json.loads(buf.getvalue())['refs']
        pairs = {}
        result['tifffile_codecs'] = {
            (k.split('/')[0] if '/' in k else '0'): {'compressor': json.loads(v)['compressor'], 'filters': json.loads(v)['filters']}
            for k, v in tr.items() if k.endswith('.zarray')}
        for k, v in tr.items():
            if isinstance(v, list):
                lev = k.split('/')[0] if '/' in k else '0'
                pairs.setdefault(lev, []).append([v[1], v[2]])
        result['tifffile_refs'] = {k: sorted(v) for k, v in pairs.items()}
    except Exception as e:  # write_fsspec refuses some files: report why
        result['tifffile_error'] = f'{type(e).__name__}: {e}'

print(json.dumps(result))
