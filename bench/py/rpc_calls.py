"""Benchmark helper (the official Python hypha_rpc client): connects with the JSON config in argv[1],
gets the echo service argv[2], and prints JSON: the round trip of a 64 MiB float32 array
(Python → service → Python, median of argv[3] runs, checked equal) and 1,000 small sequential calls
(p50/p99 latency, calls per second)."""
import asyncio
import json
import statistics
import sys
import time

import numpy as np
from hypha_rpc import connect_to_server


async def main(cfg, service_id, runs):
    server = await connect_to_server({**json.loads(cfg), "method_timeout": 300})
    echo = await server.get_service(service_id)
    a = np.random.default_rng(0).random(64 * 1024 * 1024 // 4, dtype="float32")
    assert np.array_equal(await echo.echo(a[:1024]), a[:1024])  # warm-up
    big = []
    for _ in range(runs):
        t = time.perf_counter()
        b = await echo.echo(a)
        big.append(time.perf_counter() - t)
        assert b.dtype == a.dtype and np.array_equal(a, b)
    small = []
    for i in range(1000):
        t = time.perf_counter()
        assert await echo.add(i, 1) == i + 1
        small.append(time.perf_counter() - t)
    small.sort()
    await server.disconnect()
    print(json.dumps({
        "big_s": statistics.median(big),
        "big_mib_s": 2 * 64 / statistics.median(big),
        "p50_ms": small[len(small) // 2] * 1000,
        "p99_ms": small[int(len(small) * 0.99) - 1] * 1000,
        "calls_s": len(small) / sum(small),
    }))


asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3))
