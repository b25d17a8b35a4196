/**
 * NGFF 0.4 metadata of TIFF references: axes (lowercase, t,c,z,y,x order), units, one scale per
 * level (physical size × downsampling), omero labels/colours/windows. Expected values are read
 * off the files' own OME-XML (see the comments) and the NGFF 0.4 spec.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withNodeSource } from '../../src/io/open-node.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();

async function attrs(file: string) {
  const refs = await withNodeSource(file, (s) => tiffReferences(s, { url: file }));
  return { refs, zattrs: JSON.parse(refs.refs['.zattrs'] as string), zgroup: JSON.parse(refs.refs['.zgroup'] as string) };
}

describe('NGFF metadata of TIFF references', () => {
  it('2-channel Deflate pyramid: axes c,y,x in micrometer, scales 0.65×2^level, omero DAPI/GFP', async () => {
    // OME-XML: SizeC=2 SizeX=1500 SizeY=1000 PhysicalSizeX/Y=0.65 µm, channels DAPI and GFP; uint16
    const { zattrs, zgroup, refs } = await attrs(path.join(data, 'tiff/pyramid-2ch-u16-deflate-pred.ome.tif'));
    expect(zgroup).toEqual({ zarr_format: 2 });
    const ms = zattrs.multiscales[0];
    expect(ms.version).toBe('0.4');
    expect(ms.axes).toEqual([
      { name: 'c', type: 'channel' },
      { name: 'y', type: 'space', unit: 'micrometer' },
      { name: 'x', type: 'space', unit: 'micrometer' },
    ]);
    expect(ms.datasets.map((d: any) => d.path)).toEqual(['0', '1', '2']);
    const scales = ms.datasets.map((d: any) => d.coordinateTransformations);
    expect(scales[0]).toEqual([{ type: 'scale', scale: [1, 0.65, 0.65] }]);
    expect(scales[1][0].scale).toEqual([1, 1.3, 1.3]);
    expect(scales[2][0].scale).toEqual([1, 2.6, 2.6]);
    expect(zattrs.omero.channels.map((c: any) => c.label)).toEqual(['DAPI', 'GFP']);
    expect(zattrs.omero.channels[0].window).toEqual({ min: 0, max: 65535, start: 0, end: 65535 });
    expect(zattrs.omero.channels.every((c: any) => /^[0-9A-F]{6}$/.test(c.color))).toBe(true);
    expect(JSON.parse(refs.refs['1/.zattrs'] as string)).toEqual({ _ARRAY_DIMENSIONS: ['c', 'y', 'x'] });
  });
  it('TCZYX uint8 (XYZCT order): all five axes, no physical size → scale 1', async () => {
    // OME-XML: DimensionOrder XYZCT SizeZ=5 SizeC=3 SizeT=2, no PhysicalSize*, channels c0..c2
    const { zattrs } = await attrs(path.join(data, 'tiff/tczyx-u8-lzw.ome.tif'));
    const ms = zattrs.multiscales[0];
    expect(ms.axes.map((a: any) => a.name)).toEqual(['t', 'c', 'z', 'y', 'x']);
    expect(ms.axes.map((a: any) => a.type)).toEqual(['time', 'channel', 'space', 'space', 'space']);
    expect(ms.datasets[0].coordinateTransformations[0].scale).toEqual([1, 1, 1, 1, 1]);
    expect(zattrs.omero.channels.map((c: any) => c.label)).toEqual(['c0', 'c1', 'c2']);
    expect(zattrs.omero.channels[2].window.end).toBe(255);
    expect(zattrs.omero.rdefs.defaultZ).toBe(2);
  });
  it('libvips RGB SubIFD pyramid: interleaved samples as trailing c of 3, downsampling from sizes', async () => {
    // 2400×1800 RGB, levels 1200×900 … 150×112 (libvips floors odd sizes)
    const { zattrs, refs } = await attrs(path.join(data, 'tiff/vips-rgb-subifd-pyramid-deflate.tif'));
    const ms = zattrs.multiscales[0];
    expect(ms.axes.map((a: any) => a.name)).toEqual(['y', 'x', 'c']);
    expect(ms.datasets.length).toBe(5);
    expect(ms.datasets[4].coordinateTransformations[0].scale).toEqual([1800 / 112, 2400 / 150, 1]);
    expect(JSON.parse(refs.refs['0/.zarray'] as string).chunks).toEqual([256, 256, 3]);
    expect(zattrs.omero.channels.map((c: any) => c.color)).toEqual(['FF0000', '00FF00', '0000FF']);
  });
  it('big-endian BigTIFF: dtype keeps the file byte order', async () => {
    const { refs } = await attrs(path.join(data, 'tiff/bigendian-bigtiff-u16.ome.tif'));
    const za = JSON.parse(refs.refs['0/.zarray'] as string);
    expect(za.dtype).toBe('>u2');
    expect(za.compressor).toBeNull();
    expect(za.shape).toEqual([700, 900]); // one channel: no c axis, as tifffile's series
  });
});
