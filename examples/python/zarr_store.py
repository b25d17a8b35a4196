"""Reference Viewer reading a Python zarr store lazily (Vizarr's RPC store pattern): the viewer calls
getItem/containsItem for the chunks it shows, so the image never travels whole."""
import asyncio

import numpy as np
import zarr
from hypha_rpc import connect_to_server

from imjoy_share_connect import connection_config


def rpc_store(array):
    """Vizarr's `encode_zarr_store`: a zarr object's store as getItem/containsItem functions."""
    prefix = f"{array.path}/" if array.path else ""
    requested = []

    def getItem(key):
        requested.append(key)
        return bytes(array.store[prefix + key])

    def containsItem(key):
        return prefix + key in array.store

    # _rintf keeps the functions callable after add_image returns (tiles are read later too)
    store = {"_rintf": True, "getItem": getItem, "containsItem": containsItem}
    return store, requested


async def main():
    server = await connect_to_server(connection_config())
    host = await server.get_service("imjoy-host")
    window = await host.create_window(src="Reference Viewer")
    viewer = await server.get_service(window["service_id"])

    # 2048 x 2048 uint16 in 256 x 256 chunks, in memory
    z = zarr.zeros((2048, 2048), chunks=(256, 256), dtype="uint16")  # zarr 2 API
    yy, xx = np.mgrid[0:2048, 0:2048]
    z[:] = ((np.sin(xx / 50) + np.cos(yy / 70)) * 1000 + 2000).astype("uint16")
    store, requested = rpc_store(z)
    info = await viewer.add_image(source=store, name="zarr from Python")
    assert info["shape"] == [2048, 2048], info
    await viewer.screenshot()
    chunks = [k for k in requested if not k.startswith(".z")]
    assert chunks, requested
    print(f"viewer read {len(chunks)} of 64 chunks through getItem; metadata keys: {sorted(set(requested) - set(chunks))}")
    await host.close_window(window["window_id"])  # the viewer stops reading before we leave
    await server.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
