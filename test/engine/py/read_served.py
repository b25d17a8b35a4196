"""Reads the engine's zarr stores over HTTP with Debian's zarr 2 + fsspec (nobody here wrote
them) and compares every level with independently decoded pixels.

usage: read_served.py JOBS_JSON
JOBS_JSON: [{"url": "http://…/zarr-decoded/x.tif", "expected": {"0": "/…/0.npy", …}} |
            {"url": …, "zip": "/…/x.zip"}]  — a zip's levels are read by zarr's own ZipStore.
Prints one JSON list: per job and level {url, level, equal, shape, dtype} or {url, error}.
"""
import json
import sys

import numpy as np
import zarr
from zarr.storage import FSStore

out = []
for job in json.load(open(sys.argv[1])):
    url = job['url']
    try:
        # consolidated: the engine answers .zmetadata with every .zarray/.zattrs in one request
        group = zarr.open_consolidated(FSStore(url), mode='r')
        levels = [d['path'] for d in group.attrs['multiscales'][0]['datasets']]
        if 'zip' in job:
            ref = zarr.open_group(zarr.storage.ZipStore(job['zip'], mode='r'), mode='r')
            root = ref
            # a zip may hold the store in one top-level folder
            if 'multiscales' not in ref.attrs:
                (name,) = [k for k in ref.group_keys()]
                root = ref[name]
            expected = {p: root[p][:] for p in levels}
        else:
            expected = {p: np.load(job['expected'][p]) for p in levels}
        for p in levels:
            got = group[p][:]
            exp = expected[p]
            out.append({'url': url, 'level': p, 'shape': list(got.shape), 'dtype': got.dtype.str,
                        'equal': bool(got.shape == exp.shape and np.array_equal(got, exp))})
    except Exception as e:  # the test asserts on which stores stock zarr cannot read, and why
        out.append({'url': url, 'error': f'{type(e).__name__}: {e}'})
print(json.dumps(out))
