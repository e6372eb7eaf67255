"""BYOM's own cost on the hot path: a fast local stand-in OpenAI upstream (its own process),
``byom serve`` as a real server process pointed at it, and a load generator in a third process
(tests/bench/loadgen.py: aiohttp on uvloop, bounded request counts).

Side by side in one run: (a) straight to the stand-in (the same load generator; and a raw httpx
client), (b) a chat message through BYOM (auth, session and history, credential lookup, decrypt,
provider call, store reply and usage), (c) the gateway's ``/v1/chat/completions`` (gateway
token, routing, decrypt, call, usage). Sequential and at concurrency 32. Configurations:
PostgreSQL with 2 workers and SQLite with 1, each with the aiohttp and the httpx transport.
BYOM's CPU per request is the server processes' CPU seconds over requests (steadier than
latency on a shared machine).

    .venv/bin/python -m tests.bench.bench_gateway [--sequential 400] [--concurrent 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.clock import SystemClock
from entrypoints.bootstrap import build
from entrypoints.http.access_tokens import JwtTokenIssuer
from entrypoints.settings import CryptoSettings, DatabaseSettings, ProviderSettings, Settings
from tests.bench._common import (
    LoadResult,
    cpu_seconds,
    percentiles,
    run_load,
    scratch_postgres,
    table,
    worker_rss_mb,
    write_results,
)
from tests.support.builders import JWT_SECRET, key_line
from tests.support.live_server import LiveServer, start_server

USERS = 64
SESSIONS_PER_USER = 16
QUESTION = "How is EUR/USD carry today?"
CHAT_BODY = json.dumps({"content": QUESTION, "max_tokens": 64}, separators=(",", ":"))
OPENAI_BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTION}], "max_tokens": 64},
    separators=(",", ":"),
)
KEYS = key_line("k1")


@dataclass
class Row:
    config: str
    target: str
    mode: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms_per_request: float | None
    errors: int
    loadgen_cpu_ms_per_request: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)


def start_standin() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.standin_process"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def settings_for(url: str, standin_port: int, var_dir: Path) -> Settings:
    return Settings(
        var_dir=var_dir,
        database=DatabaseSettings(url=url),
        crypto=CryptoSettings(keys=KEYS),
        providers=replace(
            ProviderSettings(), openai_base_url=f"http://127.0.0.1:{standin_port}/v1"
        ),
        auth=replace(Settings().auth, jwt_secret=JWT_SECRET, access_token_ttl_s=6 * 3600),
    )


async def seed(
    settings: Settings,
) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """Users with an OpenAI key (validated live against the stand-in), sessions and gateway
    tokens. Returns the request specs for chat and for the gateway."""
    container = build(settings, hasher=Argon2PasswordHasher.fast_for_tests())
    issuer = JwtTokenIssuer(JWT_SECRET, 6 * 3600, SystemClock())
    chat, gateway = [], []
    try:
        for n in range(USERS):
            user = await container.register_user.execute(
                email=f"bench{n}@example.com", password="a long enough password"
            )
            await container.add_credential.execute(
                user.id,
                provider="openai",
                api_key=f"sk-proj-bench{n:04d}" + "x" * 40,
                model_name="gpt-4o-mini",
            )
            access = f"Bearer {issuer.issue(user.id, 0)[0]}"
            for _ in range(SESSIONS_PER_USER):
                session = await container.start_agent_session.execute(user.id)
                chat.append(
                    ("POST", f"/api/v1/agent-sessions/{session.id}/messages", access, CHAT_BODY)
                )
            token = await container.create_gateway_token.execute(user.id, "bench")
            gateway.append(("POST", "/v1/chat/completions", f"Bearer {token.secret}", OPENAI_BODY))
    finally:
        await container.aclose()
    return chat, gateway


def measure(
    config: str,
    target: str,
    url: str,
    specs: list[tuple[str, str, str, str]],
    *,
    requests: int,
    concurrency: int,
    workdir: Path,
    server: LiveServer | None,
) -> Row:
    before = cpu_seconds(server.process.pid) if server else 0.0
    result: LoadResult = run_load(
        url, specs, requests=requests, concurrency=concurrency, workdir=workdir
    )
    cpu = None
    if server is not None:
        cpu = (cpu_seconds(server.process.pid) - before) * 1000 / max(result.requests, 1)
    return Row(
        config,
        target,
        "sequential" if concurrency == 1 else f"c{concurrency}",
        result.requests,
        result.rps,
        result.p50_ms,
        result.p95_ms,
        result.p99_ms,
        cpu,
        result.errors,
        result.loadgen_cpu_ms_per_request,
        result.error_kinds,
    )


async def raw_httpx(port: int, requests: int) -> dict[str, float]:
    """A plain httpx client straight to the stand-in, one request at a time."""
    samples = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(50):
            await client.post("/v1/chat/completions", content=OPENAI_BODY)
        for _ in range(requests):
            started = time.perf_counter()
            response = await client.post("/v1/chat/completions", content=OPENAI_BODY)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
    return percentiles(samples)


def run_config(
    name: str,
    url: str,
    workers: int,
    transport: str,
    standin_port: int,
    args: argparse.Namespace,
) -> tuple[list[Row], dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="byom-bench-") as tmp:
        workdir = Path(tmp)
        settings = settings_for(url, standin_port, workdir)
        if url.startswith("sqlite"):
            from adapters.persistence.sqlalchemy.migrate import upgrade

            asyncio.run(upgrade(url))
        chat, gateway = asyncio.run(seed(settings))
        env = {
            k: v
            for k, v in __import__("os").environ.items()
            if not k.startswith(("BYOM_", "PROMETHEUS_"))
        }
        env.update(
            BYOM_VAR_DIR=str(workdir),
            BYOM_DATABASE_URL=url,
            BYOM_ENCRYPTION_KEYS=KEYS,
            BYOM_JWT_SECRET=JWT_SECRET,
            BYOM_OPENAI_BASE_URL=f"http://127.0.0.1:{standin_port}/v1",
            BYOM_HTTP_TRANSPORT=transport,
            BYOM_WORKERS=str(workers),
        )
        server = start_server(env, workers=workers, log_path=workdir / "serve.log")
        try:
            rows = []
            # Warm up every worker, its pools and its caches.
            mixed = [s for pair in zip(chat, gateway, strict=False) for s in pair]
            run_load(server.url, mixed, requests=400, concurrency=8, workdir=workdir)
            idle_rss = worker_rss_mb(server.process.pid)
            for concurrency, count in ((1, args.sequential), (32, args.concurrent)):
                for target, specs in (("b. chat message", chat), ("c. gateway", gateway)):
                    rows.append(
                        measure(
                            name,
                            target,
                            server.url,
                            specs,
                            requests=count,
                            concurrency=concurrency,
                            workdir=workdir,
                            server=server,
                        )
                    )
            loaded_rss = worker_rss_mb(server.process.pid)
        finally:
            server.stop()
        return rows, {"rss_mb_after_warmup": idle_rss, "rss_mb_after_load": loaded_rss}


def _errors(row: Row) -> str:
    kinds = ", ".join(f"{n}x{k}" for k, n in sorted(row.error_kinds.items()))
    return f"{row.errors} ({kinds})" if kinds else str(row.errors)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sequential", type=int, default=400)
    parser.add_argument("--concurrent", type=int, default=3000)
    parser.add_argument("--transports", default="aiohttp,httpx")
    parser.add_argument("--only", default="postgres,sqlite")
    args = parser.parse_args()
    command = ".venv/bin/python -m tests.bench.bench_gateway " + " ".join(sys.argv[1:])
    standin, port = start_standin()
    rows: list[Row] = []
    memory: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="byom-bench-direct-") as tmp:
            direct = f"http://127.0.0.1:{port}"
            spec = [("POST", "/v1/chat/completions", "Bearer sk-direct", OPENAI_BODY)]
            run_load(direct, spec, requests=500, concurrency=8, workdir=Path(tmp))
            for concurrency, count in ((1, args.sequential), (32, args.concurrent)):
                rows.append(
                    measure(
                        "-", "a. stand-in direct", direct, spec,
                        requests=count, concurrency=concurrency, workdir=Path(tmp), server=None,
                    )
                )  # fmt: skip
        raw = asyncio.run(raw_httpx(port, args.sequential))
        rows.append(
            Row("-", "a'. stand-in direct (httpx client)", "sequential", args.sequential,
                0.0, raw["p50_ms"], raw["p95_ms"], raw["p99_ms"], None, 0)
        )  # fmt: skip
        for transport in args.transports.split(","):
            if "postgres" in args.only:
                with scratch_postgres() as pg_url:
                    if pg_url is None:
                        print(
                            "PostgreSQL skipped: set BYOM_BENCH_POSTGRES_URL "
                            "or BYOM_TEST_POSTGRES_URL"
                        )
                    else:
                        name = f"postgres 2w {transport}"
                        got, rss = run_config(name, pg_url, 2, transport, port, args)
                        rows += got
                        memory[name] = rss
            if "sqlite" in args.only:
                with tempfile.TemporaryDirectory(prefix="byom-bench-sqlite-") as tmp:
                    name = f"sqlite 1w {transport}"
                    url = f"sqlite+aiosqlite:///{tmp}/byom.db"
                    got, rss = run_config(name, url, 1, transport, port, args)
                    rows += got
                    memory[name] = rss
    finally:
        standin.terminate()
        standin.wait(10)

    print()
    print(table(
        ["config", "target", "mode", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms",
         "BYOM CPU ms/req", "errors"],
        [[r.config, r.target, r.mode, r.requests, r.rps, r.p50_ms, r.p95_ms, r.p99_ms,
          r.cpu_ms_per_request, _errors(r)] for r in rows],
    ))  # fmt: skip
    baseline = {r.mode: r for r in rows if r.target.startswith("a. ")}
    added = []
    for r in rows:
        if r.config != "-" and r.mode in baseline:
            a = baseline[r.mode]
            added.append([r.config, r.target, r.mode, r.p50_ms - a.p50_ms, r.p99_ms - a.p99_ms])
    print()
    print("BYOM's added latency, (b)-(a) and (c)-(a), same load generator:")
    print(table(["config", "target", "mode", "added p50 ms", "added p99 ms"], added))
    print()
    print("Resident memory per worker (MB):", json.dumps(memory))
    path = write_results(
        "gateway",
        command,
        {
            "rows": [asdict(r) for r in rows],
            "added_latency_ms": [
                dict(zip(["config", "target", "mode", "p50", "p99"], a, strict=True)) for a in added
            ],
            "memory_mb": memory,
            "shipped_transport": ProviderSettings().http_transport,
            "users": USERS,
            "sessions": USERS * SESSIONS_PER_USER,
        },
    )
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
