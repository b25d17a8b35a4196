/** OME-XML parsing: the six DimensionOrders, TiffData mapping, sizes, units, channel colours. */
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/io/byte-source.js';
import { omeColorToRgba, parseOmeXml, planeIfd } from '../../src/tiff/ome-xml.js';

const ome = (pixelsAttrs: string, inner = '', root = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" ${root}>` +
  `<Image ID="Image:0" Name="img"><Pixels ID="Pixels:0" Type="uint16" SizeX="8" SizeY="6" ${pixelsAttrs}>${inner}</Pixels></Image></OME>`;

describe('OME-XML', () => {
  // Plane index per the OME-TIFF spec: the first letter after XY varies fastest.
  const Z = 2, C = 3, T = 4;
  const expected: Record<string, (t: number, c: number, z: number) => number> = {
    XYZCT: (t, c, z) => z + Z * c + Z * C * t,
    XYZTC: (t, c, z) => z + Z * t + Z * T * c,
    XYCZT: (t, c, z) => c + C * z + C * Z * t,
    XYCTZ: (t, c, z) => c + C * t + C * T * z,
    XYTCZ: (t, c, z) => t + T * c + T * C * z,
    XYTZC: (t, c, z) => t + T * z + T * Z * c,
  };
  for (const [order, idx] of Object.entries(expected)) {
    it(`DimensionOrder ${order}: plane → IFD`, () => {
      const [img] = parseOmeXml(ome(`DimensionOrder="${order}" SizeZ="${Z}" SizeC="${C}" SizeT="${T}"`, '<TiffData IFD="0" PlaneCount="24"/>'));
      for (let t = 0; t < T; t++) for (let c = 0; c < C; c++) for (let z = 0; z < Z; z++) expect(planeIfd(img, t, c, z)).toBe(idx(t, c, z));
    });
  }
  it('TiffData with FirstZ/FirstC/FirstT and IFD per plane', () => {
    const td = '<TiffData IFD="5" FirstC="1" FirstZ="0" FirstT="0" PlaneCount="1"/><TiffData IFD="2" FirstC="0" PlaneCount="1"/>';
    const [img] = parseOmeXml(ome('DimensionOrder="XYCZT" SizeZ="1" SizeC="2" SizeT="1"', td));
    expect(planeIfd(img, 0, 0, 0)).toBe(2);
    expect(planeIfd(img, 0, 1, 0)).toBe(5);
  });
  it('TiffData with a UUID of another file → plane not in this file', () => {
    const td = '<TiffData IFD="0" FirstC="0" PlaneCount="1"><UUID FileName="a.ome.tif">urn:uuid:aaaa</UUID></TiffData>' +
      '<TiffData IFD="0" FirstC="1" PlaneCount="1"><UUID FileName="b.ome.tif">urn:uuid:bbbb</UUID></TiffData>';
    const [img] = parseOmeXml(ome('DimensionOrder="XYCZT" SizeZ="1" SizeC="2" SizeT="1"', td, 'UUID="urn:uuid:bbbb"'));
    expect(planeIfd(img, 0, 0, 0)).toBe(-1);
    expect(planeIfd(img, 0, 1, 0)).toBe(0);
  });
  it('no TiffData → planes are IFDs in order', () => {
    const [img] = parseOmeXml(ome('DimensionOrder="XYZCT" SizeZ="3" SizeC="1" SizeT="1"'));
    expect(img.planeIfds).toEqual([0, 1, 2]);
  });
  it('sizes, physical sizes and units, channel names and colours', () => {
    const ch = '<Channel ID="Channel:0:0" Name="DAPI" Color="65535" SamplesPerPixel="1"/><Channel ID="Channel:0:1" Name="GFP &amp; co" Color="-16776961"/>';
    const [img] = parseOmeXml(ome('DimensionOrder="XYCZT" SizeZ="5" SizeC="2" SizeT="1" PhysicalSizeX="0.65" PhysicalSizeXUnit="µm" PhysicalSizeY="0.7" PhysicalSizeZ="2" PhysicalSizeZUnit="nm"', ch));
    expect([img.sizeX, img.sizeY, img.sizeZ, img.sizeC, img.sizeT]).toEqual([8, 6, 5, 2, 1]);
    expect([img.physicalSizeX, img.physicalSizeY, img.physicalSizeZ]).toEqual([0.65, 0.7, 2]);
    expect([img.physicalSizeXUnit, img.physicalSizeYUnit, img.physicalSizeZUnit]).toEqual(['µm', 'µm', 'nm']); // Y: OME default µm
    expect(img.channels.map((c) => c.name)).toEqual(['DAPI', 'GFP & co']);
    // OME Color is signed 32-bit RGBA: 65535 = 0x0000FFFF (blue, opaque); -16776961 = 0xFF0000FF (red)
    expect(img.channels.map((c) => c.color)).toEqual([[0, 0, 255, 255], [255, 0, 0, 255]]);
  });
  it('colour conversion of extreme values', () => {
    expect(omeColorToRgba(-1)).toEqual([255, 255, 255, 255]);
    expect(omeColorToRgba(0)).toEqual([0, 0, 0, 0]);
    expect(omeColorToRgba(0x00ff00ff)).toEqual([0, 255, 0, 255]);
  });
  it('namespace prefixes (ome:Pixels) are accepted', () => {
    const xml = '<ome:OME xmlns:ome="http://www.openmicroscopy.org/Schemas/OME/2016-06"><ome:Image ID="Image:0"><ome:Pixels DimensionOrder="XYZCT" SizeX="2" SizeY="2" SizeZ="1" SizeC="1" SizeT="1" Type="uint8"/></ome:Image></ome:OME>';
    expect(parseOmeXml(xml)[0].planeIfds).toEqual([0]);
  });
  it('errors name the file and the problem', () => {
    expect(() => parseOmeXml(ome('DimensionOrder="XYQZT" SizeZ="1" SizeC="1" SizeT="1"'), 'f.ome.tif')).toThrow(/f\.ome\.tif: .*DimensionOrder "XYQZT"/);
    expect(() => parseOmeXml(ome('DimensionOrder="XYZCT" SizeZ="0" SizeC="1" SizeT="1"'), 'f.ome.tif')).toThrow(SourceError);
    expect(() => parseOmeXml('<html/>', 'f.ome.tif')).toThrow(/no <OME> root/);
    expect(() => parseOmeXml(ome('DimensionOrder="XYZCT" SizeZ="100000" SizeC="1000" SizeT="1000"'), 'f.ome.tif')).toThrow(/declares 100000000000 planes/);
    expect(() => parseOmeXml(ome('DimensionOrder="XYZCT" SizeZ="1" SizeC="1" SizeT="1"', '<TiffData IFD="0" PlaneCount="9"/>'), 'f.ome.tif')).toThrow(/maps planes 0\.\.8 but the image has 1 planes/);
  });
});
