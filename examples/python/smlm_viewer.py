"""SMLM Viewer from Python: localizations as numpy columns."""
import asyncio

import numpy as np
from hypha_rpc import connect_to_server

from imjoy_share_connect import connection_config


async def main():
    server = await connect_to_server(connection_config())
    host = await server.get_service("imjoy-host")
    smlm = await server.get_service((await host.create_window(src="SMLM Viewer"))["service_id"])

    rng = np.random.default_rng(0)
    n = 20_000
    t = rng.uniform(0, 2 * np.pi, n)
    columns = {
        "x": (5000 + 3000 * np.cos(t) + rng.normal(0, 30, n)).astype("float32"),
        "y": (5000 + 3000 * np.sin(t) + rng.normal(0, 30, n)).astype("float32"),
        "frame": rng.integers(0, 1000, n).astype("int32"),
    }
    tables = await smlm.load({"columns": columns, "name": "ring from numpy"})
    assert tables[0]["rows"] == n and tables[0]["columns"] == ["x", "y", "frame"], tables
    await smlm.set_view({"color_by": "frame", "colormap": "viridis"})
    print("SMLM table:", tables[0])
    await server.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
