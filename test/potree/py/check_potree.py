"""An independent check of a Potree 2.0 folder against the .smlm it was made from (numpy + zipfile).

usage: check_potree.py <in.smlm> <octree dir | zip or .smlm holding it>; prints JSON: counts, exactness, boxes, level fractions.
Reads the hierarchy as potree's loader does: breadth-first chunks, children in index order 0..7
for each node's child mask, proxy records (type 2) leading to the chunks below; node points as array-of-structs records in attribute order.
"""
import json, os, sys, zipfile
import numpy as np

smlm, folder = sys.argv[1], sys.argv[2]
TYPES = {'int8': '<i1', 'int16': '<i2', 'int32': '<i4', 'uint8': 'u1', 'uint16': '<u2', 'uint32': '<u4', 'float': '<f4', 'double': '<f8'}

# the input: every table of the .smlm, channel = table index
z = zipfile.ZipFile(smlm)
man = json.loads(z.read('manifest.json'))
tables = []
for k, f in enumerate(man['files']):
    fmt = man['formats'][f['format']]
    dt = np.dtype([(h, np.dtype(d).newbyteorder('<')) for h, d in zip(fmt['headers'], fmt['dtype'])])
    tables.append(np.frombuffer(z.read(f['name']), dtype=dt, count=f['rows']))
rows = sum(len(t) for t in tables)

def octree_file(name):
    if os.path.isdir(folder):
        return open(os.path.join(folder, name), 'rb').read()
    # a single file: the members stored, under potree/ in a .smlm
    oz = zipfile.ZipFile(folder)
    info = next(i for i in oz.infolist() if i.filename in (name, 'potree/' + name))
    assert info.compress_type == zipfile.ZIP_STORED, info
    return oz.read(info)

meta = json.loads(octree_file('metadata.json'))
attrs = meta['attributes']
rec = np.dtype([(a['name'], (TYPES[a['type']], a['numElements']) if a['numElements'] > 1 else TYPES[a['type']]) for a in attrs])
assert rec.itemsize == sum(a['size'] for a in attrs)
hier = np.frombuffer(octree_file('hierarchy.bin'), dtype=np.dtype([('type', 'u1'), ('mask', 'u1'), ('n', '<u4'), ('off', '<u8'), ('size', '<u8')]))
octree = np.frombuffer(octree_file('octree.bin'), dtype='u1')
scale, offset = np.array(meta['scale']), np.array(meta['offset'])
bmin, bmax = np.array(meta['boundingBox']['min']), np.array(meta['boundingBox']['max'])

HIER = np.dtype([('type', 'u1'), ('mask', 'u1'), ('n', '<u4'), ('off', '<u8'), ('size', '<u8')])

def parse_chunk(root, offset, size):
    """One hierarchy chunk, as potree's loader reads it: records breadth-first from the chunk's root;
    a proxy record (type 2) gives the offset and size of the chunk its node roots, read in turn."""
    recs = hier_bytes[offset:offset + size]
    assert len(recs) == size and size % HIER.itemsize == 0, ('chunk outside hierarchy.bin', offset, size)
    recs = np.frombuffer(recs, dtype=HIER)
    queue = [root]
    for i, r in enumerate(recs):
        node = queue[i]
        if r['type'] == 2:
            assert i > 0, 'a chunk begins with a proxy'
            chunks.append((node, int(r['off']), int(r['size']), int(r['n'])))
            continue
        node.update(n=int(r['n']), off=int(r['off']), size=int(r['size']), mask=int(r['mask']), type=int(r['type']))
        for c in range(8):
            if r['mask'] & (1 << c):
                mid = (node['min'] + node['max']) / 2
                lo = np.where([c & 4, c & 2, c & 1], mid, node['min'])
                hi = np.where([c & 4, c & 2, c & 1], node['max'], mid)
                child = {'name': node['name'] + str(c), 'level': node['level'] + 1, 'min': lo, 'max': hi}
                nodes.append(child)
                queue.append(child)
    assert len(queue) == len(recs), ('records and child masks disagree', len(queue), len(recs))

hier_bytes = octree_file('hierarchy.bin')
nodes = [{'name': 'r', 'level': 0, 'min': bmin, 'max': bmax}]
chunks = [(nodes[0], 0, meta['hierarchy']['firstChunkSize'], None)]
read = 0
nchunks = 0
while chunks:
    node, off, size, n = chunks.pop()
    parse_chunk(node, off, size)
    assert n is None or node['n'] == n, ('proxy and chunk disagree on points', node['name'])
    read += size
    nchunks += 1
assert read == len(hier_bytes), ('hierarchy.bin bytes not in any chunk', read, len(hier_bytes))

parts, levels, outside = [], [], 0
for node in nodes:
    assert node['size'] == node['n'] * rec.itemsize
    p = np.frombuffer(octree[node['off']:node['off'] + node['size']].tobytes(), dtype=rec)
    pos = p['position'] * scale + offset
    eps = scale * 0.5 + 1e-9
    outside += int(np.sum(np.any((pos < node['min'] - eps) | (pos > node['max'] + eps), axis=1)))
    parts.append(p)
    levels.append(np.full(len(p), node['level']))
allp = np.concatenate(parts)
lev = np.concatenate(levels)

# every input row exactly once, every column bit-exact: compare as sorted byte records
names = [n for n in tables[0].dtype.names]
def key_bytes(arrs):
    cols = [np.ascontiguousarray(a).view(np.uint8).reshape(len(a), -1) for a in arrs]
    b = np.concatenate(cols, axis=1)
    v = b.view(np.dtype((np.void, b.shape[1]))).ravel()
    return np.sort(v)
chan_in = np.concatenate([np.full(len(t), k, 'u1') for k, t in enumerate(tables)])
inp = [np.concatenate([t[n] for t in tables]) for n in names] + ([chan_in] if len(tables) > 1 else [])
out = [allp[n] for n in names] + ([allp['channel']] if len(tables) > 1 else [])
exact = bool(np.array_equal(key_bytes(inp), key_bytes(out)))
# positions: quantized x/y within half a step of the float columns
pos = allp['position'] * scale + offset
pos_err = float(np.max(np.abs(pos[:, 0] - allp['x'])))

fractions = {}
glob = [float(np.mean(chan_in == k)) for k in range(len(tables))]
for L in sorted(set(lev.tolist())):
    m = lev == L
    if m.sum() >= 5000:
        fractions[str(L)] = {'points': int(m.sum()), 'fractions': [float(np.mean(allp['channel'][m] == k)) for k in range(len(tables))]}
# Poisson sampling: in every sampling cell of level L (the cube split 128·2^L times per axis), exactly
# one point of level ≤ L — recomputed here from the x/y/z columns and the metadata's cube
poisson = {}
if meta.get('imjoy_share', {}).get('sampling') == 'poisson':
    depth = meta['hierarchy']['depth']
    size = bmax[0] - bmin[0]
    xyz = [allp[c].astype(np.float64) if c in allp.dtype.names else None for c in ('x', 'y', 'z')]
    for L in range(depth):
        res = 128 * 2 ** L
        k = res / size
        idx = [np.clip(np.floor((a - bmin[i]) * k), 0, res - 1) if a is not None else np.full(len(allp), np.clip(np.floor(-bmin[i] * k), 0, res - 1)) for i, a in enumerate(xyz)]
        key = (idx[0] * res + idx[1]) * res + idx[2]
        kept = np.unique(key[lev <= L], return_counts=True)
        occupied = np.unique(key)
        poisson[str(L)] = {'cells': int(len(occupied)), 'covered': int(len(kept[0])), 'most_in_a_cell': int(kept[1].max())}
print(json.dumps({'poisson': poisson, 'rows': rows, 'points': int(len(allp)), 'declared': int(meta['points']), 'nodes': len(nodes), 'chunks': nchunks, 'exact': exact,
                  'outside': outside, 'pos_err': pos_err, 'scale': float(scale[0]), 'global': glob, 'levels': fractions}))
