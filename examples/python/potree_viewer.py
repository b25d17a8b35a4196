"""Potree Viewer from Python: a million localizations as numpy columns, converted to an octree in
the browser (in the plugin's worker) and streamed by level of detail; density by additive blending."""
import asyncio

import numpy as np
from hypha_rpc import connect_to_server

from imjoy_share_connect import connection_config


async def main():
    server = await connect_to_server(connection_config())
    host = await server.get_service("imjoy-host")
    potree = await server.get_service((await host.create_window(src="Potree Viewer"))["service_id"])

    rng = np.random.default_rng(1)
    n = 1_000_000
    t = rng.uniform(0, 2 * np.pi, n)
    columns = {
        "x": (20000 + 15000 * np.cos(t) + rng.normal(0, 60, n)).astype("float32"),
        "y": (20000 + 15000 * np.sin(t) + rng.normal(0, 60, n)).astype("float32"),
        "z": rng.normal(0, 200, n).astype("float32"),
        "frame": rng.integers(0, 5000, n).astype("uint32"),
    }
    info = await potree.load(columns=columns, name="ring of a million")
    assert info["points"] == n, info
    assert [a["name"] for a in info["attributes"]] == ["position", "x", "y", "z", "frame"], info
    await potree.set_view(color_by="frame", colormap="turbo", blending="additive", density_gain=0.05)
    frame = await potree.wait_for_frame()
    assert frame["drawn_points"] > 0, frame
    print("Potree cloud:", info["points"], "points,", frame["drawn_points"], "drawn")
    await server.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
