"""Benchmark helper (Debian python3): `make OUT.zip raw|zlib|blosc` writes a 4096×4096 (×2 channels)
uint16 OME-Zarr v0.4 level in a stored ZIP; `read REFS.json N STATS_URL` does one untimed warm-up
read and then times N reads of the full 4096×4096 region of channel 0 through fsspec's
ReferenceFileSystem (HTTP, default settings) + zarr 2, each from a fresh filesystem, and prints
JSON (wall and CPU seconds, the server's request count per read, SHA-256 of the pixels)."""
import hashlib, json, sys, time, zipfile, os, tempfile, shutil, urllib.request

def make(out, compressor_name):
    import numpy as np, zarr, numcodecs
    tmp = tempfile.mkdtemp()
    try:
        comp = {'blosc': numcodecs.Blosc(cname='lz4', clevel=5, shuffle=numcodecs.Blosc.SHUFFLE), 'zlib': numcodecs.Zlib(level=1), 'raw': None}[compressor_name]
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

def read(refs_path, n, stats_url):
    import fsspec, zarr
    refs = json.load(open(refs_path))
    stats = lambda: json.load(urllib.request.urlopen(stats_url))['requests']  # also resets the count
    times, cpu, requests, digest = [], [], [], None
    for i in range(n + 1):
        stats()
        t, c = time.perf_counter(), time.process_time()
        fs = fsspec.filesystem('reference', fo=refs, remote_protocol='http', skip_instance_cache=True)
        a = zarr.open_group(fs.get_mapper(''), mode='r')['0'][0, :4096, :4096]
        wall, used = time.perf_counter() - t, time.process_time() - c
        if i == 0:
            continue  # warm-up: imports, aiohttp session, page cache
        times.append(wall)
        cpu.append(used)
        requests.append(stats())
        digest = hashlib.sha256(a.tobytes()).hexdigest()
    print(json.dumps({'times': times, 'cpu': cpu, 'requests': requests, 'sha256': digest}))

if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2], sys.argv[3])
    else:
        read(sys.argv[2], int(sys.argv[3]), sys.argv[4])
