"""Helpers for bench/refs-index.bench.ts (Debian python3: tifffile, fsspec, aiohttp).
  make OUT                 write the pyramidal OME-TIFF (2 channels, 16x16 tiles, >=100k tiles at level 0)
  local FILE N             index FILE N times with tifffile write_fsspec; print JSON {times, refs}
  http URL [BLOCK]         index URL through fsspec's HTTP filesystem (block size BLOCK); print JSON {time, refs}
Times are in-process (after imports), like the JS side."""
import io
import json
import sys
import time

import numpy as np
import tifffile

cmd = sys.argv[1]
if cmd == 'make':
    out = sys.argv[2]
    size, tile = 3584, 16
    y, x = np.mgrid[0:size, 0:size]
    rng = np.random.default_rng(0)
    chans = [((np.sin(y / 40.0) * np.cos(x / 55.0) + 1) * 100 + rng.integers(0, 20, (size, size))).astype('u1'),
             ((x + y) % 256).astype('u1')]
    data = np.stack(chans)
    with tifffile.TiffWriter(out, bigtiff=True) as tw:
        opts = dict(tile=(tile, tile), compression='zlib', compressionargs={'level': 1})
        tw.write(data, subifds=3, metadata={'axes': 'CYX', 'PhysicalSizeX': 0.5, 'PhysicalSizeY': 0.5, 'Channel': {'Name': ['a', 'b']}}, **opts)
        for k in (2, 4, 8):
            tw.write(data[:, ::k, ::k], subfiletype=1, **opts)
elif cmd == 'local':
    path, n = sys.argv[2], int(sys.argv[3])
    times, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        with tifffile.TiffFile(path) as tif:
            buf = io.StringIO()
            tif.series[0].aszarr().write_fsspec(buf, 'file:///', version=1)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    refs = sum(1 for v in json.loads(buf.getvalue())['refs'].values() if isinstance(v, list))
    print(json.dumps({'times': times, 'cpu': cpu, 'refs': refs}))
elif cmd == 'http':
    import fsspec
    url = sys.argv[2]
    block = int(sys.argv[3]) if len(sys.argv) > 3 else None  # None: fsspec's default (5 MiB readahead)
    t0 = time.perf_counter()
    fs = fsspec.filesystem('http')
    with fs.open(url, 'rb', **({'block_size': block} if block else {})) as fh:
        with tifffile.TiffFile(fh) as tif:
            buf = io.StringIO()
            tif.series[0].aszarr().write_fsspec(buf, 'http://x/', version=1)
    t = time.perf_counter() - t0
    refs = sum(1 for v in json.loads(buf.getvalue())['refs'].values() if isinstance(v, list))
    print(json.dumps({'time': t, 'refs': refs}))
