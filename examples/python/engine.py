"""The app engine from Python: an image served as a zarr store (over RPC, read lazily by zarr-python;
and the same store over plain HTTP), the resource collection with content ids, and a model's
predict — numpy in, numpy out. On `imjoy-share serve` the engine is built in; on a Hypha server,
start workers with `imjoy-share engine --server-url … --workspace … --token … --data … --collection …`."""
import asyncio
import json
from collections.abc import MutableMapping

import numpy as np
import zarr
from hypha_rpc import connect_to_server

from imjoy_share_connect import connection_config, data_url

IMAGE = "viewer/demo.ome.tif"
MODEL = "demo/blob-detector"


class EngineStore(MutableMapping):
    """A read-only zarr store whose keys come from the engine's zarr service (decoded chunks:
    no imagecodecs needed). zarr calls it synchronously, so each key is one RPC call run on the
    event loop of the connection (from a worker thread: asyncio.to_thread below)."""

    def __init__(self, service, image, loop):
        self.service, self.image, self.loop = service, image, loop

    def _call(self, name, key):
        async def call():
            return await getattr(self.service, name)(self.image, key, True)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(60)

    def __getitem__(self, key):
        try:
            return bytes(self._call("get_item", key))
        except Exception as e:  # the engine says KeyError for a missing key: zarr fills it in
            if "KeyError" in str(e):
                raise KeyError(key) from e
            raise

    def __contains__(self, key):
        return bool(self._call("contains_item", key))

    def __iter__(self):
        return iter([])

    def __len__(self):
        return 0

    def __setitem__(self, key, value):
        raise PermissionError("read-only")

    def __delitem__(self, key):
        raise PermissionError("read-only")


async def main():
    server = await connect_to_server(connection_config())
    # several engine workers may serve these ids: pick any
    zarr_svc = await server.get_service("imjoy-share-zarr", {"mode": "random"})
    images = [f["name"] for f in await zarr_svc.list_images()]
    assert IMAGE in images, images

    # lazily, over RPC: zarr-python asks for the keys it needs (zarr is synchronous: it runs in a
    # thread while this event loop carries its calls)
    store = EngineStore(zarr_svc, IMAGE, asyncio.get_running_loop())
    level = await asyncio.to_thread(lambda: zarr.open_group(store, mode="r")["0"])
    tile = await asyncio.to_thread(lambda: level[(0,) * (level.ndim - 2) + (slice(0, 256), slice(0, 256))])

    # the same store over plain HTTP (what Vizarr or fsspec read), when the engine is the serve's
    meta = json.loads(bytes(await zarr_svc.get_item(IMAGE, "0/.zarray")))
    assert list(level.shape) == meta["shape"]

    res_svc = await server.get_service("imjoy-share-resources", {"mode": "random"})
    model = await res_svc.get_resource(MODEL)
    weights = next(f for f in model["files"] if f["kind"] == "weights")
    assert model["verdict"]["valid"], model["verdict"]

    models = await server.get_service("imjoy-share-models", {"mode": "random"})
    x = np.random.default_rng(0).random((1, 1, 96, 128), dtype=np.float32)
    y = await models.predict(id=MODEL, array=x)
    assert isinstance(y, np.ndarray) and y.shape == x.shape, (type(y), getattr(y, "shape", None))

    print(f"engine: {IMAGE} level 0 {list(level.shape)} tile mean {tile.mean():.1f}; "
          f"{MODEL} valid, weights {weights['cid'][:16]}…; predict {y.shape} {y.dtype}; http {data_url('/zarr/')}")
    await server.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
