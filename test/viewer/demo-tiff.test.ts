import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { demoCells, downsample, writePyramidOmeTiff } from '../../src/demo/ome-tiff.js';
import { BytesSource } from '../../src/io/byte-source.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { ReferenceStore } from '../../src/reference/open.js';
import { openImage } from '../../src/viewer/image.js';
import { registerCodecs } from '../../src/codecs/index.js';
import { tmpDir } from '../helpers/host.js';
import { python } from '../helpers/paths.js';

describe('demo pyramidal OME-TIFF writer', () => {
  const width = 600;
  const height = 400;
  const channels = demoCells(width, height);
  const bytes = writePyramidOmeTiff({ width, height, channels, levels: 3, tile: 256, pixelSize: 0.5 });

  it('tifffile reads it as an OME-TIFF pyramid with our pixels, names and sizes', () => {
    const dir = tmpDir('demo-tiff-');
    const file = path.join(dir, 'demo.ome.tif');
    fs.writeFileSync(file, bytes);
    const code = `import tifffile, json, sys, hashlib
t = tifffile.TiffFile(sys.argv[1]); s = t.series[0]
out = {'ome': t.is_ome, 'axes': s.axes, 'levels': [list(l.shape) for l in s.levels],
       'names': [c.get('Name') for c in tifffile.xml2dict(t.ome_metadata)['OME']['Image']['Pixels']['Channel']],
       'px': tifffile.xml2dict(t.ome_metadata)['OME']['Image']['Pixels']['PhysicalSizeX'],
       'sums': [[int(l.asarray()[c].astype('uint64').sum()) for c in range(3)] for l in s.levels],
       'corner': s.levels[1].asarray()[2, 100:103, 150:153].ravel().tolist()}
print(json.dumps(out))`;
    const r = JSON.parse(execFileSync(python, ['-c', code, file]).toString());
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.ome).toBe(true);
    expect(r.axes).toBe('CYX');
    expect(r.levels).toEqual([
      [3, 400, 600],
      [3, 200, 300],
      [3, 100, 150],
    ]);
    expect(r.names).toEqual(['nuclei', 'membrane', 'speckles']);
    expect(r.px).toBe(0.5);
    const sum = (a: Uint16Array) => a.reduce((s, v) => s + v, 0);
    const l1 = channels.map((c) => downsample(c.data, width, height));
    const l2 = l1.map((c) => downsample(c.data, c.w, c.h));
    expect(r.sums).toEqual([channels.map((c) => sum(c.data)), l1.map((c) => sum(c.data)), l2.map((c) => sum(c.data))]);
    const corner = [100, 101, 102].flatMap((y) => [150, 151, 152].map((x) => l1[2].data[y * 300 + x]));
    expect(r.corner).toEqual(corner);
  });

  it('our reference maker and the viewer read it back: levels, channel names/colours, pixels', async () => {
    registerCodecs();
    const refs = await tiffReferences(new BytesSource(bytes, 'demo.ome.tif'), { url: 'demo.ome.tif' });
    const store = new ReferenceStore(refs, { openSource: () => new BytesSource(bytes, 'demo.ome.tif') });
    const img = await openImage(store, 'demo');
    expect(img.levels.map((l) => l.shape.slice(-2))).toEqual([
      [400, 600],
      [200, 300],
      [100, 150],
    ]);
    expect(img.channels.map((c) => [c.name, c.color])).toEqual([
      ['nuclei', [0, 0, 255]],
      ['membrane', [0, 255, 0]],
      ['speckles', [255, 0, 255]],
    ]);
    const cl = img.labels[img.channelAxis!];
    const sel = Object.fromEntries(Object.keys(img.selection).map((k) => [k, 0]));
    const t = await img.levels[0].getTile({ x: 2, y: 1, selection: { ...sel, [cl]: 1 } });
    expect([t.width, t.height]).toEqual([600 - 512, 400 - 256]);
    const want: number[] = [];
    for (let y = 256; y < 400; y++) for (let x = 512; x < 600; x++) want.push(channels[1].data[y * width + x]);
    expect(Array.from(t.data)).toEqual(want);
  });
});
