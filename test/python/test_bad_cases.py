"""Bad cases with the official Python client (run by `npm run test:python`)."""
import asyncio
import pathlib
import sys
import time

import numpy as np
from hypha_rpc import connect_to_server

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"))
from imjoy_share_connect import connection_config  # noqa: E402


async def fails_fast(what, coro, match=None, within=1.0):
    t = time.monotonic()
    try:
        await coro
    except Exception as e:  # the clients raise plain Exceptions with the server's message
        took = time.monotonic() - t
        assert took < within, f"{what}: error after {took:.1f} s"
        assert match is None or match in str(e).lower(), f"{what}: {e}"
        print(f"ok  {what}: {str(e).splitlines()[0][:100]} ({took * 1000:.0f} ms)")
        return
    raise AssertionError(f"{what}: no error")


async def main():
    cfg = connection_config()
    await fails_fast("wrong token", connect_to_server({**cfg, "token": "not-the-token"}), within=10)

    server = await connect_to_server(cfg)
    await fails_fast("unknown service", server.get_service("no-such-service"), "not found")

    # positional and keyword calls reach a Python service alike
    info = await server.register_service(
        {"id": "bad-cases", "config": {"visibility": "protected"}, "echo": lambda x: x, "add": lambda a, b=0, scale=1: (a + b) * scale}
    )
    caller = await connect_to_server(cfg)
    svc = await caller.get_service(info["id"])
    assert await svc.add(1, 2) == 3 and await svc.add(1, 2, scale=10) == 30 and await svc.add(a=1, b=2) == 3
    print("ok  positional and keyword calls")

    # 100 MB: chunked by the client through the server, both ways
    a = np.random.default_rng(0).random(100 * 1024 * 1024 // 8)
    t = time.monotonic()
    b = await svc.echo(a)
    assert isinstance(b, np.ndarray) and np.array_equal(a, b)
    print(f"ok  100 MB array round trip in {time.monotonic() - t:.1f} s")

    # a gone client: its service is gone, a call to it fails at once
    await server.disconnect()
    await fails_fast("call to a client that left", svc.echo(1))
    await fails_fast("its service after it left", caller.get_service(info["id"]), "not found")

    # a window closed in the browser: its service answers no more, at once (the host page's JS
    # services take positional and keyword calls alike)
    host = await caller.get_service("imjoy-host")
    window = await host.create_window("RDF Inspector")
    rdf = await caller.get_service(window["service_id"])
    assert window["window_id"] in [w["window_id"] for w in await host.list_windows()]
    await host.close_window(window_id=window["window_id"])
    # close_window returns once the server has dropped the window's service
    await fails_fast("service of a closed window", caller.get_service(window["service_id"]), "not found")
    assert window["window_id"] not in [w["window_id"] for w in await host.list_windows()]
    await fails_fast("call to a closed window", rdf.validate({"source": "x"}))

    # a call still running when its window closes: the caller gets an error, not a hang (a store
    # whose reads never answer keeps add_image waiting)
    window = await host.create_window(src="Reference Viewer")
    viewer = await caller.get_service(window["service_id"])
    reading = asyncio.Event()

    async def get_item(key):
        reading.set()
        await asyncio.get_running_loop().create_future()

    running = asyncio.ensure_future(viewer.add_image(source={"_rintf": True, "getItem": get_item, "containsItem": lambda key: True}))
    await reading.wait()
    await host.close_window(window["window_id"])
    try:
        await running
    except Exception as e:
        assert "was closed" in str(e), e
        print(f"ok  call running when its window closed: {str(e).splitlines()[0][:100]}")
    else:
        raise AssertionError("call running when its window closed: no error")
    await caller.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
