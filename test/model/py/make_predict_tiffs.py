"""LZW (OME-)TIFF inputs for `model predict` tests (usage: make_predict_tiffs.py OUTDIR).

Independent of our TIFF code: Debian's tifffile composes the OME-XML and, reading each file back,
says which pages form series 0 and with which axes; Debian's libtiff (ctypes) writes the LZW pages
and decodes them again (Debian's tifffile has no LZW codec: no imagecodecs). Series 0 as libtiff
decodes it must equal the array written; it is saved as .npy by numpy. Prints one line per file:
name, series-0 axes, shape, page indices.
"""
import ctypes
import os
import sys

import numpy as np
import tifffile

sys.dont_write_bytecode = True  # no __pycache__ left in test/tiff/py
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../tiff/py'))
from libtiff_read import read_ifd  # noqa: E402

out = sys.argv[1]
lib = ctypes.CDLL('libtiff.so.6')
lib.TIFFOpen.restype = ctypes.c_void_p
lib.TIFFWriteEncodedStrip.restype = ctypes.c_ssize_t
H, W = 96, 128  # the demo model takes y, x = 32 + n*16


def field(tif, tag, value):
    arg = ctypes.c_char_p(value.encode()) if isinstance(value, str) else ctypes.c_int(value)
    if not lib.TIFFSetField(ctypes.c_void_p(tif), ctypes.c_uint32(tag), arg):
        raise RuntimeError(f'TIFFSetField {tag} failed')


def write_lzw(name, pages, description=None, rowsperstrip=32):
    """One LZW page (strips, horizontal predictor) per 2-D array; description on page 0."""
    path = os.path.join(out, name)
    tif = lib.TIFFOpen(path.encode(), b'w')
    try:
        for i, a in enumerate(pages):
            a = np.ascontiguousarray(a)
            h, w = a.shape
            for tag, v in [(256, w), (257, h), (258, a.dtype.itemsize * 8), (339, 1), (277, 1), (284, 1),
                           (262, 1), (259, 5), (317, 2), (278, rowsperstrip)]:
                field(tif, tag, v)
            if i == 0 and description:
                field(tif, 270, description)
            for s in range(-(-h // rowsperstrip)):
                buf = a[s * rowsperstrip:(s + 1) * rowsperstrip].tobytes()
                if lib.TIFFWriteEncodedStrip(ctypes.c_void_p(tif), ctypes.c_uint32(s), buf, ctypes.c_ssize_t(len(buf))) < 0:
                    raise RuntimeError('strip write failed')
            if not lib.TIFFWriteDirectory(ctypes.c_void_p(tif)):
                raise RuntimeError('TIFFWriteDirectory failed')
    finally:
        lib.TIFFClose(ctypes.c_void_p(tif))
    return path


def ome(*images):
    """OME-XML by tifffile; images = (array, axes), their planes stored in this order."""
    x = tifffile.OmeXml()
    for a, axes in images:
        x.addimage(a.dtype, a.shape, (int(np.prod(a.shape[:-2])), 1, 1, a.shape[-2], a.shape[-1], 1), axes=axes)
    return x.tostring()


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W]
    img = np.full((H, W), 20.0)
    for _ in range(n):
        cy, cx, s, amp = rng.random() * H, rng.random() * W, 2 + rng.random() * 4, 80 + rng.random() * 150
        img += amp * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
    return (img * 100 + rng.integers(0, 500, (H, W))).astype('<u2')


def report(name, expected):
    """Series 0 by tifffile's reading of the OME-XML, its pages decoded by libtiff; saved by numpy."""
    path = os.path.join(out, name)
    with tifffile.TiffFile(path) as t:
        s = t.series[0]
        pages = [p.index for p in s.pages]
        a = np.stack([read_ifd(path, p.offset) for p in s.pages]).reshape(s.shape)
        print(name, s.axes, 'x'.join(map(str, s.shape)), 'pages', ','.join(map(str, pages)))
    assert np.array_equal(a, expected.reshape(a.shape)), name
    np.save(os.path.join(out, name.split('.')[0] + '.npy'), a)


c0, c1, c2 = blobs(12, 1), blobs(12, 2), blobs(12, 3)
# 2 channels, one LZW page each (the input)
cyx2 = np.stack([c0, c1])
write_lzw('c2-lzw.ome.tif', list(cyx2), ome((cyx2, 'CYX')))
report('c2-lzw.ome.tif', cyx2)
# 1 channel
write_lzw('c1-lzw.ome.tif', [c0], ome((c0[None], 'CYX')))
report('c1-lzw.ome.tif', c0[None])
# z stack of 3 planes: a 2-D model cannot take it
zyx = np.stack([c0, c1, c2])
write_lzw('z3-lzw.ome.tif', list(zyx), ome((zyx, 'ZYX')))
report('z3-lzw.ome.tif', zyx)
# two OME Images: page 0 holds Image 1 (a decoy); Image 0 (what is predicted) is on page 1
decoy = np.full((H, W), 7, '<u2')
xml = ome((c2[None], 'CYX'), (decoy[None], 'CYX'))
xml = xml.replace('<TiffData IFD="0"', '<TiffData IFD="@"').replace('<TiffData IFD="1"', '<TiffData IFD="0"').replace('<TiffData IFD="@"', '<TiffData IFD="1"')
write_lzw('image0-on-page1.ome.tif', [decoy, c2], xml)
report('image0-on-page1.ome.tif', c2[None])
# a plain LZW TIFF whose header was then made to claim 50000 x 50000 pixels in one strip
write_lzw('huge-header.tif', [c0], rowsperstrip=H)
with tifffile.TiffFile(os.path.join(out, 'huge-header.tif'), mode='r+b') as t:
    for tag in ('ImageWidth', 'ImageLength', 'RowsPerStrip'):
        t.pages[0].tags[tag].overwrite(50000)
print('huge-header.tif')
