"""LZW test data written by an independent encoder: Debian's libtiff (ctypes, test/tiff/py/libtiff_write.py).
Debian's tifffile has no LZW codec (no imagecodecs); it only reads the strip offsets/byte counts.

  make_lzw.py OUT_DIR cases          the small cases below
  make_lzw.py OUT_DIR camera NAME H W   one single-strip H x W uint16 camera-like image (tests, bench)

For each case writes NAME.tif (libtiff, LZW) and NAME.raw (numpy: the array's bytes in the file's
byte order), checks that libtiff decodes NAME.tif back to the array (so the writer is right), and
prints one JSON list of {name, dtype, shape, rowsperstrip, predictor, strips: [[offset, bytecount]]}.
"""
import json
import os
import sys

import numpy as np
import tifffile

sys.dont_write_bytecode = True  # no __pycache__ left in test/tiff/py
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../tiff/py'))
from libtiff_read import read_ifd  # noqa: E402
from libtiff_write import write  # noqa: E402

out = sys.argv[1]
rng = np.random.default_rng(11)


def noisy(shape, dtype, base=1000.0, amp=600.0, sigma=20.0):
    y, x = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing='ij')
    v = base + amp * np.sin(x / 9.0) * np.cos(y / 13.0)
    if len(shape) == 3:
        v = v[..., None] + np.arange(shape[2]) * 40.0
    v = v + rng.normal(0, sigma, shape)
    dt = np.dtype(dtype)
    if dt.kind == 'f':
        return (v / 1000.0).astype(dt)
    return np.clip(v * (255 / 2000 if dt.itemsize == 1 else 1), 0, np.iinfo(dt).max).astype(dt)


def camera(h, w):
    """uint16, as a sCMOS frame of cells: smooth background, bright blobs, shot/read noise."""
    y = np.arange(h, dtype=np.float32)[:, None]
    x = np.arange(w, dtype=np.float32)[None, :]
    img = 400 + 150 * np.sin(x / 211.0) * np.cos(y / 173.0)
    img = img + 900 * (np.sin(x / 23.0) * np.sin(y / 29.0) > 0.7)
    img = img + rng.standard_normal((h, w), dtype=np.float32) * 9
    return np.clip(img, 0, 65535).astype('<u2')


def case(name, a, rowsperstrip=None, predictor=1, big=False):
    path = os.path.join(out, name + '.tif')
    write(path, [a], compression=5, rowsperstrip=rowsperstrip, predictor=predictor, mode='wb' if big else 'w')
    with tifffile.TiffFile(path) as t:
        p = t.pages[0]
        assert p.compression == 5 and p.predictor == predictor, name
        strips = [[int(o), int(n)] for o, n in zip(p.dataoffsets, p.databytecounts)]
        back = read_ifd(path, p.offset)
    assert np.array_equal(back, a), f'libtiff does not read back {name}'
    stored = a.astype(a.dtype.newbyteorder('>' if big else '<'))
    with open(os.path.join(out, name + '.raw'), 'wb') as f:
        f.write(stored.tobytes())
    return dict(name=name, dtype=stored.dtype.str, shape=list(a.shape), rowsperstrip=rowsperstrip or a.shape[0],
                predictor=predictor, strips=strips)


if sys.argv[2] == 'camera':
    name, h, w = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    print(json.dumps([case(name, camera(h, w))]))
    sys.exit(0)

runs = np.repeat(rng.integers(0, 4, 40000), rng.integers(1, 60, 40000))[:300 * 700].astype('u1').reshape(300, 700)
cases = [
    case('u8-1x1', np.array([[7]], 'u1')),
    case('u8-odd-strips', noisy((37, 53), 'u1'), rowsperstrip=5),  # 8 strips, the last of 2 rows
    case('u16-odd-strips', noisy((101, 77), '<u2'), rowsperstrip=13),
    case('f32-one-strip', noisy((63, 47), '<f4')),
    case('u8-pred2', noisy((70, 91), 'u1'), rowsperstrip=16, predictor=2),
    case('u16-pred2', noisy((120, 131), '<u2'), rowsperstrip=16, predictor=2),
    case('u16-be-pred2', noisy((57, 61), '<u2'), rowsperstrip=20, predictor=2, big=True),
    case('u8-rgb-pred2', noisy((45, 67, 3), 'u1'), rowsperstrip=10, predictor=2),
    case('f32-pred3', noisy((64, 50), '<f4'), rowsperstrip=20, predictor=3),
    case('u8-zeros', np.zeros((300, 1000), 'u1')),  # long strings, code == next entry (KwKwK)
    case('u8-runs', runs),  # short runs of few values: KwKwK codes all along
    case('u8-random', rng.integers(0, 256, (256, 1024)).astype('u1')),  # table full → ClearCode, often
    case('u16-noisy-512', noisy((512, 512), '<u2', sigma=200)),
]
print(json.dumps(cases))
