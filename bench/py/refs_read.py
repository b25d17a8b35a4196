"""Benchmark helper (Debian python3): `make OUT.zip` writes a 4096×4096 (×2 channels) uint16 OME-Zarr
v0.4 level in a stored ZIP; `read REFS.json N` times N reads of the full 4096×4096 region of
channel 0 through fsspec's ReferenceFileSystem (HTTP) + zarr 2 and prints JSON."""
import hashlib, json, sys, time, zipfile, os, tempfile, shutil

def make(out, compressor_name):
    import numpy as np, zarr, numcodecs
    tmp = tempfile.mkdtemp()
    try:
        comp = {'blosc': numcodecs.Blosc(cname='lz4', clevel=5, shuffle=numcodecs.Blosc.SHUFFLE), 'zlib': numcodecs.Zlib(level=1)}[compressor_name]
        store = zarr.DirectoryStore(tmp, dimension_separator='/')
        g = zarr.group(store=store)
        rng = np.random.default_rng(1)
        yy, xx = np.mgrid[0:4096, 0:4096]
        base = (1000 + 800 * np.sin(xx / 97.0) * np.cos(yy / 131.0)).astype(np.float32)
        a = g.create_dataset('0', shape=(2, 4096, 4096), chunks=(1, 512, 512), dtype='<u2', compressor=comp)
        for c in range(2):
            a[c] = (base * (c + 1) + rng.normal(0, 40, base.shape)).clip(0, 65535).astype('<u2')
        g.attrs['multiscales'] = [{'version': '0.4', 'name': 'bench', 'axes': [{'name': 'c', 'type': 'channel'}, {'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}],
                                   'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 1, 1]}]}]}]
        with zipfile.ZipFile(out + '.partial', 'w', compression=zipfile.ZIP_STORED) as z:
            for d, _, files in os.walk(tmp):
                for f in sorted(files):
                    p = os.path.join(d, f)
                    z.write(p, os.path.relpath(p, tmp))
        os.replace(out + '.partial', out)
    finally:
        shutil.rmtree(tmp)

def read(refs_path, n):
    import fsspec, zarr
    refs = json.load(open(refs_path))
    times, digest = [], None
    for _ in range(n):
        t = time.perf_counter()
        fs = fsspec.filesystem('reference', fo=refs, remote_protocol='http')
        a = zarr.open_group(fs.get_mapper(''), mode='r')['0'][0, :4096, :4096]
        times.append(time.perf_counter() - t)
        digest = hashlib.sha256(a.tobytes()).hexdigest()
    print(json.dumps({'times': times, 'sha256': digest}))

if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2], sys.argv[3])
    else:
        read(sys.argv[2], int(sys.argv[3]))
