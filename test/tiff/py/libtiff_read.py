"""Decode one TIFF directory with Debian's libtiff (ctypes): an oracle independent of tifffile's
decoders, for codecs Debian's tifffile cannot decode without imagecodecs (LZW, JPEG, PackBits).
read_ifd(path, ifd_offset) -> numpy array (H, W) / (H, W, S) chunky / (S, H, W) planar."""
import ctypes
import numpy as np

lib = ctypes.CDLL('libtiff.so.6')
lib.TIFFOpen.restype = ctypes.c_void_p
lib.TIFFOpen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
lib.TIFFClose.argtypes = [ctypes.c_void_p]
lib.TIFFSetSubDirectory.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
lib.TIFFIsTiled.argtypes = [ctypes.c_void_p]
lib.TIFFTileSize.argtypes = [ctypes.c_void_p]
lib.TIFFTileSize.restype = ctypes.c_ssize_t
lib.TIFFStripSize.argtypes = [ctypes.c_void_p]
lib.TIFFStripSize.restype = ctypes.c_ssize_t
lib.TIFFReadEncodedTile.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ssize_t]
lib.TIFFReadEncodedTile.restype = ctypes.c_ssize_t
lib.TIFFReadEncodedStrip.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_ssize_t]
lib.TIFFReadEncodedStrip.restype = ctypes.c_ssize_t
lib.TIFFGetField.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p]
lib.TIFFSetField.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int]

def _get(tif, tag, ctype, default=None):
    v = ctype()
    ok = lib.TIFFGetField(tif, tag, ctypes.byref(v))
    return v.value if ok else default

def read_ifd(path, offset):
    tif = lib.TIFFOpen(path.encode(), b'r')
    if not tif:
        raise RuntimeError('libtiff cannot open ' + path)
    try:
        if not lib.TIFFSetSubDirectory(tif, offset):
            raise RuntimeError(f'libtiff cannot read IFD at {offset}')
        w = _get(tif, 256, ctypes.c_uint32)
        h = _get(tif, 257, ctypes.c_uint32)
        bps = _get(tif, 258, ctypes.c_uint16, 1)
        spp = _get(tif, 277, ctypes.c_uint16, 1)
        fmt = _get(tif, 339, ctypes.c_uint16, 1)
        planar = _get(tif, 284, ctypes.c_uint16, 1)
        photometric = _get(tif, 262, ctypes.c_uint16, 1)
        compression = _get(tif, 259, ctypes.c_uint16, 1)
        if compression == 7 and photometric == 6:
            # TIFFTAG_JPEGCOLORMODE = JPEGCOLORMODE_RGB: libjpeg converts YCbCr to RGB
            lib.TIFFSetField(tif, 65538, 1)
        dtype = np.dtype({1: 'u', 2: 'i', 3: 'f'}[fmt] + str(bps // 8))
        planes = spp if planar == 2 else 1
        samples = 1 if planar == 2 else spp
        out = np.zeros((planes, h, w, samples), dtype)
        if lib.TIFFIsTiled(tif):
            tw = _get(tif, 322, ctypes.c_uint32)
            th = _get(tif, 323, ctypes.c_uint32)
            size = lib.TIFFTileSize(tif)
            buf = ctypes.create_string_buffer(size)
            across, down = -(-w // tw), -(-h // th)
            for p in range(planes):
                for ty in range(down):
                    for tx in range(across):
                        idx = (p * down + ty) * across + tx
                        n = lib.TIFFReadEncodedTile(tif, idx, buf, size)
                        if n < 0:
                            raise RuntimeError(f'libtiff failed on tile {idx}')
                        tile = np.frombuffer(buf.raw[:size], dtype).reshape(th, tw, samples)
                        y0, x0 = ty * th, tx * tw
                        hh, ww = min(th, h - y0), min(tw, w - x0)
                        out[p, y0:y0 + hh, x0:x0 + ww] = tile[:hh, :ww]
        else:
            rps = min(_get(tif, 278, ctypes.c_uint32, h), h)
            size = lib.TIFFStripSize(tif)
            buf = ctypes.create_string_buffer(size)
            nstrips = -(-h // rps)
            for p in range(planes):
                for s in range(nstrips):
                    n = lib.TIFFReadEncodedStrip(tif, p * nstrips + s, buf, size)
                    if n < 0:
                        raise RuntimeError(f'libtiff failed on strip {s}')
                    rows = min(rps, h - s * rps)
                    out[p, s * rps:s * rps + rows] = np.frombuffer(buf.raw[:rows * w * samples * dtype.itemsize], dtype).reshape(rows, w, samples)
        if planar == 2:
            return out[..., 0]
        return out[0] if spp > 1 else out[0, ..., 0]
    finally:
        lib.TIFFClose(tif)
