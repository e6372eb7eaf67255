"""A worker's start, as uvicorn's worker process does it (``serving_app`` as a factory, the
lifespan, then requests on a socket), run by ``python -m tests.support.serving_probe PATH...``
in a fresh interpreter: it prints, as one JSON line, each path's status line and the modules the
process had loaded by the end. The requests are raw asyncio, so the probe adds no module of its
own that the service could have been blamed for."""

from __future__ import annotations

import asyncio
import gc
import json
import sys

import uvicorn


async def _get(port: int, path: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n".encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer.split(b"\r\n", 1)[0].decode()


async def _probe(paths: list[str]) -> dict[str, object]:
    config = uvicorn.Config(
        "entrypoints.http.app:serving_app", factory=True, host="127.0.0.1", port=0, log_config=None
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
            raise SystemExit("the server stopped before it started")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    statuses = {path: await _get(port, path) for path in paths}
    server.should_exit = True
    await serving
    return {"statuses": statuses, "modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_probe(sys.argv[1:]))))
