"""Generate the TIFF edge cases the shared data does not cover (usage: make_tiffs.py OUTDIR).
tifffile (Debian, no imagecodecs) writes what it can; libtiff (ctypes) writes JPEG/LZW/PackBits/
floating-point predictor. Prints the list of files."""
import os
import struct
import sys

import numpy as np
import tifffile

from libtiff_write import write

out = sys.argv[1]
rng = np.random.default_rng(42)
files = []


def smooth(h, w, dtype, s=1):
    y, x = np.mgrid[0:h, 0:w]
    base = (np.sin(y / 17.0) + np.cos(x / 23.0) + 2) * 60
    if s > 1:
        return np.stack([np.clip(base * 0.7 + 30 * k, 0, 255) for k in range(s)], -1).astype(dtype)
    return (base * (257 if np.dtype(dtype).itemsize > 1 else 1) + rng.integers(0, 5, (h, w))).astype(dtype)


def p(name):
    files.append(name)
    return os.path.join(out, name)

# big-endian classic TIFF, tiled, Deflate, edge tiles
tifffile.imwrite(p('be-classic-tiled-zlib.tif'), smooth(300, 350, 'u2'), byteorder='>', tile=(64, 64), compression='zlib')
# big-endian + horizontal predictor (tifffile issue: fsspec refs for big-endian with predictors)
tifffile.imwrite(p('be-pred-zlib.tif'), smooth(200, 260, 'i2'), byteorder='>', tile=(64, 64), compression='zlib', predictor=True)
# strips whose last strip is shorter than RowsPerStrip: uncompressed and Deflate
tifffile.imwrite(p('strips-short-none.tif'), smooth(300, 200, 'u1'), rowsperstrip=64)
tifffile.imwrite(p('strips-short-zlib.tif'), smooth(300, 200, 'u2'), rowsperstrip=64, compression='zlib')
# stripped, RowsPerStrip divides the height, multi-page stack (non-OME → z)
tifffile.imwrite(p('strips-stack-none.tif'), np.stack([smooth(120, 90, 'u2') + i for i in range(4)]), rowsperstrip=40, photometric='minisblack', metadata=None)
# planar RGB, tiled, Deflate + predictor
rgb = smooth(150, 170, 'u1', 3)
tifffile.imwrite(p('planar-rgb-zlib-pred.tif'), np.moveaxis(rgb, -1, 0), photometric='rgb', planarconfig='separate', tile=(64, 64), compression='zlib', predictor=True)
# chunky RGBA uncompressed tiled
tifffile.imwrite(p('rgba-chunky-none.tif'), smooth(100, 130, 'u1', 4), photometric='rgb', extrasamples=['unassalpha'], tile=(32, 32))
# BigTIFF little-endian OME, DimensionOrder XYCZT (axes TZCYX), physical sizes incl. Z, float32
vol = rng.random((2, 3, 2, 64, 96)).astype('f4')
tifffile.imwrite(p('bigtiff-ome-tzcyx-f4.ome.tif'), vol, bigtiff=True, tile=(32, 32), metadata={
    'axes': 'TZCYX', 'PhysicalSizeX': 0.25, 'PhysicalSizeY': 0.25, 'PhysicalSizeZ': 1.5, 'PhysicalSizeZUnit': 'µm',
    'TimeIncrement': 2.0, 'TimeIncrementUnit': 's', 'Channel': {'Name': ['a', 'b']}})
# OME RGB: interleaved (Channel SamplesPerPixel=3) and planar, with a SubIFD level each
for name, planar in (('ome-rgb-chunky.ome.tif', 'contig'), ('ome-rgb-planar.ome.tif', 'separate')):
    img = smooth(160, 200, 'u1', 3)
    if planar == 'separate':
        img = np.moveaxis(img, -1, 0)
    with tifffile.TiffWriter(p(name)) as tw:
        tw.write(img, photometric='rgb', planarconfig=planar, tile=(32, 32), compression='zlib', subifds=1, metadata={'axes': 'SYX' if planar == 'separate' else 'YXS'})
        tw.write(img[..., ::2, ::2] if planar == 'separate' else img[::2, ::2], photometric='rgb', planarconfig=planar, tile=(32, 32), compression='zlib', subfiletype=1)
# Fiji/ImageJ hyperstack (planes in CZT order), 0.5 µm pixels, z spacing 2 µm, 1.5 s frames
hyper = np.stack([np.stack([np.stack([smooth(40, 50, 'u2') + 1000 * t + 100 * z + 10 * c for c in range(3)]) for z in range(5)]) for t in range(2)])
tifffile.imwrite(p('imagej-hyperstack.tif'), hyper, imagej=True, resolution=(2.0, 2.0), metadata={'axes': 'TZCYX', 'spacing': 2.0, 'unit': 'um', 'finterval': 1.5})
# sparse tiles: write, then zero TileOffsets/TileByteCounts of tiles 1 and 5
sp = p('sparse-tiles.tif')
tifffile.imwrite(sp, smooth(128, 192, 'u2'), tile=(32, 32), compression='zlib')
with tifffile.TiffFile(sp) as t:
    page = t.pages[0]
    # classic little-endian TIFF, arrays stored out of line as SHORT or LONG
    arrays = [(page.tags[n].valueoffset, {3: '<H', 4: '<I'}[int(page.tags[n].dtype)]) for n in ('TileOffsets', 'TileByteCounts')]
with open(sp, 'r+b') as f:
    for k in (1, 5):
        for vo, fmt in arrays:
            f.seek(vo + struct.calcsize(fmt) * k); f.write(struct.pack(fmt, 0))
# COG-style reduced-resolution chain (NewSubfileType=1 pages after the full image)
with tifffile.TiffWriter(p('cog-chain-zlib.tif')) as tw:
    base = smooth(256, 320, 'u1')
    tw.write(base, tile=(64, 64), compression='zlib')
    tw.write(base[::2, ::2], tile=(64, 64), compression='zlib', subfiletype=1)
    tw.write(base[::4, ::4], tile=(64, 64), compression='zlib', subfiletype=1)
# libtiff-written encodings
write(p('lzw-pred-u16.tif'), [smooth(150, 170, 'u2')], compression=5, tile=(64, 64), predictor=2)
write(p('zstd-pred-u16.tif'), [smooth(150, 170, 'u2')], compression=50000, tile=(64, 64), predictor=2)
write(p('packbits-u8.tif'), [smooth(120, 100, 'u1')], compression=32773, tile=(32, 32))
write(p('floatpred-f4.tif'), [rng.random((70, 90)).astype('f4') * 100], compression=8, tile=(32, 32), predictor=3)
# (no big-endian floating-point predictor file: libtiff 4.5 does not round-trip its own BE FP-predictor data;
#  the big-endian byte layout is unit-tested in test/tiff/codecs.test.ts)
write(p('jpeg-ycbcr-multipage.tif'), [smooth(150, 200, 'u1', 3), smooth(150, 200, 'u1', 3)[::-1].copy()], compression=7, tile=(64, 64), photometric=6, subsampling=(1, 1))
write(p('jpeg-ycbcr-sub22.tif'), [smooth(128, 160, 'u1', 3)], compression=7, tile=(64, 64), photometric=6)
write(p('jpeg-rgb.tif'), [smooth(128, 160, 'u1', 3)], compression=7, tile=(64, 64), photometric=2)
write(p('jpeg-gray-strips.tif'), [smooth(100, 120, 'u1')], compression=7, rowsperstrip=16)
# WebP (lossless, RGB): decodable only in browsers (geotiff uses createImageBitmap); see codecs.browser.test.ts
write(p('webp-rgb.tif'), [smooth(96, 112, 'u1', 3)], compression=50001, tile=(32, 32), webp_lossless=True)
print('\n'.join(files))
