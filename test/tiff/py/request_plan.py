"""For test/tiff/request-plan.test.ts (usage: request_plan.py extents FILE... | make OUTDIR).
extents: per file, every IFD of the main chain as tifffile sees it, with the end of the entry table
and of the out-of-line values that lie within 4 MiB after the IFD (JSON).
make: write two uncompressed tiled files whose IFDs are far apart (> 1 MiB): a 3-page stack and a
2-channel OME pyramid with 2 SubIFD levels; print their paths (JSON)."""
import json
import os
import struct
import sys

import numpy as np
import tifffile

if sys.argv[1] == 'extents':
    out = {}
    for f in sys.argv[2:]:
        rows = []
        with tifffile.TiffFile(f) as tif:
            for page in tif.pages:
                big = tif.is_bigtiff
                fh = tif.filehandle
                fh.seek(page.offset)
                ntags = struct.unpack(tif.byteorder + ('Q' if big else 'H'), fh.read(8 if big else 2))[0]
                end = page.offset + (8 + 20 * ntags + 8 if big else 2 + 12 * ntags + 4)
                for tag in page.tags.values():
                    nbytes = tag.valuebytecount
                    inline = nbytes <= (8 if big else 4)
                    if not inline and page.offset <= tag.valueoffset and tag.valueoffset + nbytes <= page.offset + (4 << 20):
                        end = max(end, tag.valueoffset + nbytes)
                rows.append({'offset': page.offset, 'extent': end - page.offset})
        out[os.path.basename(f)] = rows
    print(json.dumps(out))
elif sys.argv[1] == 'make':
    d = sys.argv[2]
    stack = os.path.join(d, 'far-stack.tif')
    tifffile.imwrite(stack, np.zeros((3, 1024, 1024), 'u2'), bigtiff=True, tile=(128, 128), photometric='minisblack')
    pyr = os.path.join(d, 'far-pyramid.ome.tif')
    data = np.zeros((2, 2048, 2048), 'u2')
    with tifffile.TiffWriter(pyr, bigtiff=True) as tw:
        tw.write(data, subifds=2, tile=(128, 128), photometric='minisblack', metadata={'axes': 'CYX'})
        tw.write(data[:, ::2, ::2], subfiletype=1, tile=(128, 128))
        tw.write(data[:, ::4, ::4], subfiletype=1, tile=(128, 128))
    print(json.dumps([stack, pyr]))
