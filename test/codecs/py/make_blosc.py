"""Test data (Debian python3-numcodecs, i.e. c-blosc): for each case writes CASE.blosc (the frame)
and CASE.raw (the array's bytes, from numpy) into OUT_DIR and prints the case names as JSON."""
import json, os, sys
import numpy as np
from numcodecs import Blosc

out = sys.argv[1]
rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:300, 0:301]
smooth = (1000 + 800 * np.sin(xx / 13.0) * np.cos(yy / 17.0))
noisy = smooth + rng.normal(0, 30, smooth.shape)
runs = np.repeat(rng.integers(0, 5, 3000), rng.integers(1, 40, 3000))[:90300]  # long runs: overlapping LZ4 matches

cases = {
    'lz4-shuffle-u2': (noisy.clip(0, 65535).astype('<u2'), dict(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE)),
    'lz4-shuffle-u2-smallblocks': (noisy.clip(0, 65535).astype('<u2'), dict(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE, blocksize=1000)),
    'lz4-shuffle-u2-multiblock': (np.tile(noisy, (4, 4))[:1001, :1003].clip(0, 65535).astype('<u2'), dict(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE, blocksize=2**16)),
    'lz4-shuffle-u4': (noisy.astype('<u4'), dict(cname='lz4', clevel=9, shuffle=Blosc.SHUFFLE)),
    'lz4-shuffle-f8': (noisy.astype('<f8'), dict(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE)),
    'lz4-shuffle-u1-runs': (runs.astype('u1'), dict(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE)),
    'lz4-noshuffle-u2-runs': (runs.astype('<u2'), dict(cname='lz4', clevel=5, shuffle=Blosc.NOSHUFFLE)),
    'lz4hc-shuffle-u2': (smooth.astype('<u2'), dict(cname='lz4hc', clevel=9, shuffle=Blosc.SHUFFLE)),
    'lz4-clevel0-u2': (noisy.clip(0, 65535).astype('<u2'), dict(cname='lz4', clevel=0, shuffle=Blosc.SHUFFLE)),
    'lz4-incompressible-u1': (rng.integers(0, 256, 70001).astype('u1'), dict(cname='lz4', clevel=5, shuffle=Blosc.NOSHUFFLE)),
    # left to numcodecs' wasm c-blosc (decodeBloscFast returns null)
    'lz4-bitshuffle-u2': (noisy.clip(0, 65535).astype('<u2'), dict(cname='lz4', clevel=5, shuffle=Blosc.BITSHUFFLE)),
    'zstd-shuffle-u2': (noisy.clip(0, 65535).astype('<u2'), dict(cname='zstd', clevel=3, shuffle=Blosc.SHUFFLE)),
    'blosclz-shuffle-u2': (noisy.clip(0, 65535).astype('<u2'), dict(cname='blosclz', clevel=5, shuffle=Blosc.SHUFFLE)),
}
for name, (arr, cfg) in cases.items():
    frame = Blosc(**cfg).encode(np.ascontiguousarray(arr))
    with open(os.path.join(out, name + '.blosc'), 'wb') as f:
        f.write(frame)
    with open(os.path.join(out, name + '.raw'), 'wb') as f:
        f.write(arr.tobytes())
print(json.dumps(list(cases)))
