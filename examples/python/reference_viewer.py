"""Reference Viewer from Python (async API): a numpy array and a pre-signed references URL as sources."""
import asyncio
import base64
import json
import sys
import urllib.request

import numpy as np
from hypha_rpc import connect_to_server

from imjoy_share_connect import connection_config, data_url


async def main(refs_url=None):
    server = await connect_to_server(connection_config())
    host = await server.get_service("imjoy-host")
    window = await host.create_window(src="Reference Viewer")
    viewer = await server.get_service(window["service_id"])

    # a numpy array as the source: dark, with a bright top-left quadrant
    image = np.full((300, 400), 10, dtype="uint16")
    image[:150, :200] = 4000
    info = await viewer.add_image(source=image, name="numpy array")
    assert info["shape"] == [300, 400], info

    # the screenshot is a base64 PNG of what the viewer shows
    png = base64.b64decode(await viewer.screenshot())
    assert png.startswith(b"\x89PNG"), png[:8]

    # a pre-signed reference URL (what `imjoy-share share` prints); here the serve's demo one
    if refs_url is None:
        with urllib.request.urlopen(data_url("/host/config.json")) as r:
            refs_url = json.load(r)["viewer-demo"]["refs"]
    await viewer.remove_image(0)
    info = await viewer.add_image(source=refs_url, name="pre-signed references")
    print("viewer shows", info["name"], info["shape"], "levels:", info["levels"])
    await server.disconnect()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
