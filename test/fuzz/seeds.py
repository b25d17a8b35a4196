"""Valid seed files for the fuzzer, written by independent tools (tifffile, zarr, numpy, zipfile).

usage: seeds.py <folder>   (writes <folder>/<format>/<file>)
"""
import json, os, sys, zipfile
import numpy as np
import tifffile
import zarr

out = sys.argv[1]
rng = np.random.default_rng(7)


def path(fmt, name):
    os.makedirs(os.path.join(out, fmt), exist_ok=True)
    return os.path.join(out, fmt, name)


# TIFF: OME (2 channels, deflate, tiles, a sub-resolution), plain strips (zlib), big-endian
img = rng.integers(0, 4096, (2, 96, 128), dtype=np.uint16)
with tifffile.TiffWriter(path('tiff', 'ome-deflate.ome.tif')) as w:
    w.write(img, tile=(32, 32), compression='zlib', subifds=1, metadata={'axes': 'CYX'})
    w.write(img[:, ::2, ::2], tile=(32, 32), compression='zlib', subfiletype=1)
tifffile.imwrite(path('tiff', 'strips-zlib.tif'), rng.integers(0, 255, (60, 50), dtype=np.uint8), compression='zlib', rowsperstrip=16)
tifffile.imwrite(path('tiff', 'big-endian.tif'), rng.random((3, 40, 30), dtype=np.float32), byteorder='>', tile=(16, 16))
tifffile.imwrite(path('bigtiff', 'big.tif'), rng.integers(0, 65535, (2, 70, 90), dtype=np.uint16), bigtiff=True, tile=(32, 32), compression='zlib')

# zipped Zarr v2 with NGFF metadata: stored members, plainly and with ZIP64 records
def ngff_group(store):
    g = zarr.group(store=store, overwrite=True)
    g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 'c', 'type': 'channel'}, {'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}],
                               'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 1, 1]}]}]}]
    g.create_dataset('0', data=img[:, :64, :64], chunks=(1, 32, 32), compressor=zarr.Zlib(level=1))


zs = zarr.ZipStore(path('zip', 'ngff-v04.zip'), mode='w', compression=zipfile.ZIP_STORED)
ngff_group(zs)
zs.close()
mem = zarr.MemoryStore()
ngff_group(mem)
with zipfile.ZipFile(path('zip', 'ngff-zip64.zip'), 'w', zipfile.ZIP_STORED, allowZip64=True) as z:
    for key in sorted(mem.keys()):
        with z.open(key, 'w', force_zip64=True) as f:
            f.write(mem[key])

# zipped OME-Zarr 0.5 (zarr v3 metadata, uncompressed chunks), as .ozx
with zipfile.ZipFile(path('zip', 'ome-v05.ozx'), 'w', zipfile.ZIP_STORED) as z:
    z.writestr('zarr.json', json.dumps({'zarr_format': 3, 'node_type': 'group', 'attributes': {'ome': {'version': '0.5', 'multiscales': [{
        'axes': [{'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}], 'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 1]}]}]}]}}}))
    z.writestr('0/zarr.json', json.dumps({'zarr_format': 3, 'node_type': 'array', 'shape': [40, 40], 'data_type': 'uint16',
        'chunk_grid': {'name': 'regular', 'configuration': {'chunk_shape': [20, 20]}}, 'chunk_key_encoding': {'name': 'default', 'configuration': {'separator': '/'}},
        'fill_value': 0, 'codecs': [{'name': 'bytes', 'configuration': {'endian': 'little'}}]}))
    for j in range(2):
        for i in range(2):
            z.writestr(f'0/c/{j}/{i}', img[0, j * 20:(j + 1) * 20, i * 20:(i + 1) * 20].astype('<u2').tobytes())

# .smlm: a manifest and binary tables (records of little-endian columns)
def smlm(name, tables):
    fmt = {'name': 't', 'type': 'table', 'mode': 'binary', 'extension': '.bin', 'columns': 3, 'headers': ['x', 'y', 'frame'], 'dtype': ['float32', 'float32', 'uint32'], 'shape': [1, 1, 1]}
    files = []
    with zipfile.ZipFile(path('smlm', name), 'w', zipfile.ZIP_DEFLATED) as z:
        for k, d in enumerate(tables):
            files.append({'name': f't{k}.bin', 'format': 't', 'channel': f'ch{k}', 'rows': int(len(d)), 'type': 'table',
                          'min': {c: float(d[c].min()) for c in ('x', 'y', 'frame')}, 'max': {c: float(d[c].max()) for c in ('x', 'y', 'frame')}})
            z.writestr(f't{k}.bin', d.tobytes())
        z.writestr('manifest.json', json.dumps({'format_version': '0.2', 'formats': {'t': fmt}, 'files': files}))


def locs(n):
    d = np.zeros(n, dtype=[('x', '<f4'), ('y', '<f4'), ('frame', '<u4')])
    d['x'] = rng.uniform(0, 20000, n)
    d['y'] = rng.uniform(0, 20000, n)
    d['frame'] = rng.integers(1, 1000, n)
    return d


smlm('two-tables.smlm', [locs(500), locs(300)])

# localization CSV (ThunderSTORM-style header)
d = locs(200)
np.savetxt(path('csv', 'locs.csv'), np.c_[d['x'], d['y'], d['frame'], rng.uniform(5, 30, 200)], delimiter=',', header='x [nm],y [nm],frame,uncertainty [nm]', comments='', fmt='%.3f')

# .npy inputs of the demo model (1×1×Y×X float32) and a plain 2D uint8
np.save(path('npy', 'input.npy'), rng.random((1, 1, 64, 64), dtype=np.float32))
np.save(path('npy', 'plain.npy'), rng.integers(0, 255, (64, 64), dtype=np.uint8))

# kerchunk references written by tifffile for a TIFF beside them
data = path('kerchunk', 'data.tif')
tifffile.imwrite(data, rng.integers(0, 65535, (2, 64, 64), dtype=np.uint16), tile=(32, 32), compression='zlib')
with tifffile.TiffFile(data) as t:
    with t.aszarr() as s:
        s.write_fsspec(path('kerchunk', 'refs.json'), url=os.path.join(out, 'kerchunk') + '/')

# a Potree 2.0 octree in one stored zip, written with numpy and zipfile from the format's description:
# metadata.json, one hierarchy record per node (type, child mask, points, byte offset, byte size),
# array-of-structs records (int32 position, then each attribute)
def potree_zip(name, n_root, n_child):
    rec = np.dtype([('position', '<i4', 3), ('frame', '<u4')])
    pts = np.zeros(n_root + n_child, dtype=rec)
    pts['position'][:n_root] = rng.integers(0, 100000, (n_root, 3))
    pts['position'][n_root:] = rng.integers(0, 50000, (n_child, 3))  # child 0: the low octant
    pts['frame'] = rng.integers(1, 1000, n_root + n_child)
    hier = np.zeros(2, dtype=[('type', 'u1'), ('mask', 'u1'), ('n', '<u4'), ('off', '<u8'), ('size', '<u8')])
    hier[0] = (0, 1, n_root, 0, n_root * rec.itemsize)
    hier[1] = (1, 0, n_child, n_root * rec.itemsize, n_child * rec.itemsize)
    meta = {'version': '2.0', 'name': name, 'description': '', 'points': n_root + n_child, 'projection': '',
            'hierarchy': {'firstChunkSize': hier.nbytes, 'stepSize': 2, 'depth': 1}, 'offset': [0, 0, 0], 'scale': [0.01, 0.01, 0.01],
            'spacing': 7.8125, 'boundingBox': {'min': [0, 0, 0], 'max': [1000, 1000, 1000]}, 'encoding': 'DEFAULT',
            'attributes': [{'name': 'position', 'description': '', 'size': 12, 'numElements': 3, 'elementSize': 4, 'type': 'int32', 'min': [0, 0, 0], 'max': [1000, 1000, 1000], 'scale': [1, 1, 1], 'offset': [0, 0, 0]},
                           {'name': 'frame', 'description': '', 'size': 4, 'numElements': 1, 'elementSize': 4, 'type': 'uint32', 'min': [1], 'max': [999], 'scale': [1], 'offset': [0]}]}
    with zipfile.ZipFile(path('potree', name), 'w', zipfile.ZIP_STORED) as z:
        z.writestr('octree.bin', pts.tobytes())
        z.writestr('hierarchy.bin', hier.tobytes())
        z.writestr('metadata.json', json.dumps(meta))


potree_zip('cloud.zip', 300, 200)
