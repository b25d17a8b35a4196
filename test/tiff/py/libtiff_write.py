"""Write TIFFs with Debian's libtiff (ctypes) for encodings Debian's tifffile cannot write without
imagecodecs: JPEG (abbreviated streams + JPEGTables, RGB or YCbCr), LZW, PackBits, the
floating-point predictor. write(path, pages, **opts), pages = list of numpy arrays
(H, W) or (H, W, S) chunky."""
import ctypes
import numpy as np

lib = ctypes.CDLL('libtiff.so.6')
lib.TIFFOpen.restype = ctypes.c_void_p
lib.TIFFWriteEncodedTile.restype = ctypes.c_ssize_t
lib.TIFFWriteEncodedStrip.restype = ctypes.c_ssize_t


def _set(tif, tag, *vals):
    if not lib.TIFFSetField(ctypes.c_void_p(tif), ctypes.c_uint32(tag), *[ctypes.c_int(v) for v in vals]):
        raise RuntimeError(f'TIFFSetField {tag} failed')


def write(path, pages, compression=1, tile=None, rowsperstrip=None, predictor=1, photometric=None,
          jpegquality=90, subsampling=None, mode='w', webp_lossless=False, description=None):
    tif = lib.TIFFOpen(path.encode(), mode.encode())
    if not tif:
        raise RuntimeError('cannot open ' + path)
    try:
        for i, a in enumerate(pages):
            a = np.ascontiguousarray(a)
            h, w = a.shape[:2]
            spp = a.shape[2] if a.ndim == 3 else 1
            _set(tif, 256, w)
            _set(tif, 257, h)
            _set(tif, 258, a.dtype.itemsize * 8)
            _set(tif, 339, {'u': 1, 'i': 2, 'f': 3}[a.dtype.kind])
            _set(tif, 277, spp)
            _set(tif, 284, 1)
            ph = photometric if photometric is not None else (2 if spp >= 3 else 1)
            _set(tif, 262, ph)
            _set(tif, 259, compression)
            if compression == 7:
                _set(tif, 65537, jpegquality)  # JPEGQUALITY
                if ph == 6:
                    if subsampling:
                        _set(tif, 530, *subsampling)
                    _set(tif, 65538, 1)  # JPEGCOLORMODE_RGB: we hand libtiff RGB
            if compression == 50001 and webp_lossless:
                _set(tif, 65569, 1)  # TIFFTAG_WEBP_LOSSLESS
            if predictor != 1:
                _set(tif, 317, predictor)
            if description is not None and i == 0:
                # ImageDescription of the first page only (where OME-XML lives); a char* argument.
                if not lib.TIFFSetField(ctypes.c_void_p(tif), ctypes.c_uint32(270), ctypes.c_char_p(description.encode())):
                    raise RuntimeError('TIFFSetField ImageDescription failed')
            if tile:
                _set(tif, 322, tile[1])
                _set(tif, 323, tile[0])
                th, tw = tile
                for ty in range(-(-h // th)):
                    for tx in range(-(-w // tw)):
                        t = np.zeros((th, tw) + a.shape[2:], a.dtype)
                        part = a[ty * th:(ty + 1) * th, tx * tw:(tx + 1) * tw]
                        t[:part.shape[0], :part.shape[1]] = part
                        buf = t.tobytes()
                        idx = ty * (-(-w // tw)) + tx
                        if lib.TIFFWriteEncodedTile(ctypes.c_void_p(tif), ctypes.c_uint32(idx), buf, ctypes.c_ssize_t(len(buf))) < 0:
                            raise RuntimeError('tile write failed')
            else:
                rps = rowsperstrip or h
                _set(tif, 278, rps)
                for s in range(-(-h // rps)):
                    buf = a[s * rps:(s + 1) * rps].tobytes()
                    if lib.TIFFWriteEncodedStrip(ctypes.c_void_p(tif), ctypes.c_uint32(s), buf, ctypes.c_ssize_t(len(buf))) < 0:
                        raise RuntimeError('strip write failed')
            if not lib.TIFFWriteDirectory(ctypes.c_void_p(tif)):
                raise RuntimeError('TIFFWriteDirectory failed')
    finally:
        lib.TIFFClose(ctypes.c_void_p(tif))
