"""Helpers for bench/refs-index.bench.ts (Debian python3: tifffile, fsspec, aiohttp).
  make-large OUT           write the large pyramidal OME-TIFF (see make_large) in ~10 s, sparse on disk
  make OUT                 write the small OME-TIFF (2 channels, 16x16 tiles, 133k tiles in ~21 MB)
  local FILE N             index FILE N times with tifffile write_fsspec; print JSON {times, cpu, refs, osum, lsum}
  http URL [BLOCK]         index URL through fsspec's HTTP filesystem (fsspec.open, block size BLOCK or
                           fsspec's default); print JSON {time, refs, osum, lsum}
Times are in-process (after imports) and include writing the JSON, like the JS side."""
import io
import json
import os
import sys
import time
import zlib

import numpy as np
import tifffile


class SparseFile:
    """Write-only file for tifffile: a write that ends in a run of zero bytes writes the non-zero
    head and seeks over the zeros, leaving a hole. The file's bytes are exactly what tifffile wrote
    (holes read as zeros); it just takes little disk and little time."""

    def __init__(self, path):
        self.f = open(path, 'wb')
        self.end = 0

    def write(self, b):
        b = bytes(b)
        n = len(b)
        if n >= 8192 and b[-1] == 0:
            head = b.rstrip(b'\0')
            self.f.write(head)
            self.f.seek(n - len(head), 1)
        else:
            self.f.write(b)
        self.end = max(self.end, self.f.tell())
        return n

    def seek(self, offset, whence=0):
        return self.f.seek(offset, whence)

    def tell(self):
        return self.f.tell()

    def flush(self):
        self.f.flush()

    def seekable(self):
        return True

    def close(self):
        self.f.truncate(self.end)  # a trailing hole needs the length set explicitly
        self.f.close()


def make_large(out):
    """A whole-slide-like OME-TIFF as tifffile writes it: 3 channels uint16, 40960x40960, 256x256
    zlib tiles, 8 reduced levels as SubIFDs (102,417 tiles in all, ~4.5 GB). Tile sizes are those
    of real 16-bit fluorescence slides: 60-110 KB inside an elliptic "tissue" region, 3-10 KB of
    background outside. Each tile is a real zlib stream of a small gradient tile padded with zeros
    to that size (zlib decoders ignore trailing bytes), so tifffile and zarr decode every tile and
    the padding becomes holes on disk (~0.6 GB really written). The layout (per page: IFD, tag
    values, tile tables, then tiles; SubIFD levels after all full-resolution pages) is tifffile's
    own, not ours."""
    C, T, n0 = 3, 256, 160
    size = n0 * T
    yy, xx = np.mgrid[0:T, 0:T]
    streams = [zlib.compress(((xx * (c + 1) + yy) * 16).astype('<u2').tobytes(), 6) for c in range(C)]

    def target(level, c, ty, tx, nt):
        u, v = (tx + 0.5) / nt - 0.5, (ty + 0.5) / nt - 0.5
        h = (ty * 7919 + tx * 104729 + c * 31 + level * 1009) % 1000 / 1000  # deterministic spread
        return int(60000 + 50000 * h) if (u / 0.42) ** 2 + (v / 0.36) ** 2 < 1 else int(3000 + 7000 * h)

    def tiles(level, nt):
        for c in range(C):
            for ty in range(nt):
                for tx in range(nt):
                    s = streams[c]
                    yield s + bytes(target(level, c, ty, tx, nt) - len(s))

    levels = 0
    while (size >> levels) > T:
        levels += 1
    fh = SparseFile(out)
    with tifffile.TiffWriter(fh, bigtiff=True, ome=True) as tw:
        for lv in range(levels + 1):
            s = -(-size // (1 << lv))
            nt = -(-s // T)
            kw = dict(shape=(C, s, s), dtype='uint16', tile=(T, T), compression='zlib', photometric='minisblack')
            if lv == 0:
                tw.write(tiles(0, nt), subifds=levels, metadata={
                    'axes': 'CYX', 'PhysicalSizeX': 0.325, 'PhysicalSizeY': 0.325,
                    'Channel': {'Name': ['DAPI', 'FITC', 'TRITC']}}, **kw)
            else:
                tw.write(tiles(lv, nt), subfiletype=1, **kw)
    fh.close()


def make_small(out):
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


def count_refs(text):
    """Number of chunk refs and the sums of their offsets and lengths (the JS side checks its own)."""
    chunks = [v for v in json.loads(text)['refs'].values() if isinstance(v, list)]
    return {'refs': len(chunks), 'osum': sum(v[1] for v in chunks), 'lsum': sum(v[2] for v in chunks)}


cmd = sys.argv[1]
if cmd == 'make-large':
    t0 = time.time()
    make_large(sys.argv[2])
    st = os.stat(sys.argv[2])
    print(f'wrote {st.st_size / 1e9:.2f} GB ({st.st_blocks * 512 / 1e6:.0f} MB on disk) in {time.time() - t0:.1f} s', file=sys.stderr)
elif cmd == 'make':
    make_small(sys.argv[2])
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
    print(json.dumps({'times': times, 'cpu': cpu, **count_refs(buf.getvalue())}))
elif cmd == 'http':
    import fsspec
    url = sys.argv[2]
    block = int(sys.argv[3]) if len(sys.argv) > 3 else None  # None: fsspec's default block size
    t0 = time.perf_counter()
    with fsspec.open(url, 'rb', **({'block_size': block} if block else {})) as fh:
        with tifffile.TiffFile(fh) as tif:
            buf = io.StringIO()
            tif.series[0].aszarr().write_fsspec(buf, url.rsplit('/', 1)[0] + '/', version=1)
    t = time.perf_counter() - t0
    print(json.dumps({'time': t, **count_refs(buf.getvalue())}))
else:
    sys.exit(f'unknown command {cmd}')
