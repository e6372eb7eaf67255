"""BYOM under the gateway benchmark: users seeded with a key on the stand-in, ``byom serve`` on
PostgreSQL or SQLite with no limit that would refuse the benchmark's load, and its rows: chat
messages and gateway calls, as JSON and as server-sent events."""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from adapters.auth.argon2_hasher import Argon2PasswordHasher
from adapters.clock import SystemClock
from domain.user import User
from entrypoints.bootstrap import build
from entrypoints.bootstrap.container import Container
from entrypoints.http.access_tokens import JwtTokenIssuer
from entrypoints.settings import CryptoSettings, DatabaseSettings, ProviderSettings, Settings
from tests.bench._common import RESULTS, bench_env, worker_rss_mb
from tests.bench.alternation import alternate
from tests.bench.load import Spec, run_load
from tests.bench.rows import Row, measure
from tests.support.builders import JWT_SECRET, key_line
from tests.support.live_server import start_server
from tests.support.standin_openai import LONG_STREAM_TAG, MEDIUM_STREAM_TAG

USERS = 64
SESSIONS_PER_USER = 16
QUESTION = "How is EUR/USD carry today?"
SSE = "text/event-stream"
KEYS = key_line("k1")
# Far above anything the benchmark sends: a row measures the hot path, not a 429.
UNLIMITED = str(10**6)
NO_LIMITS = {
    "BYOM_CHAT_RATE_PER_MINUTE": UNLIMITED,
    "BYOM_GATEWAY_RATE_PER_MINUTE": UNLIMITED,
    "BYOM_PROVIDER_CALLS_PER_USER": UNLIMITED,
}


def _compact(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))


def openai_body(*, stream: bool = False, tag: str = "") -> str:
    """A chat completion's body; ``tag`` asks the stand-in for a stream of that length."""
    content = f"{QUESTION} {tag}" if tag else QUESTION
    body: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": content}],
        "max_tokens": 64,
    }
    if stream:
        body["stream"] = True
    return _compact(body)


CHAT_BODY = _compact({"content": QUESTION, "max_tokens": 64})
OPENAI_BODY = openai_body()


@dataclass
class Targets:
    """The request specs of each target, spread over every seeded user in turn."""

    chat: list[Spec] = field(default_factory=list)
    chat_sse: list[Spec] = field(default_factory=list)
    gateway: list[Spec] = field(default_factory=list)
    gateway_sse: list[Spec] = field(default_factory=list)
    gateway_sse_medium: list[Spec] = field(default_factory=list)
    gateway_sse_long: list[Spec] = field(default_factory=list)


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


def server_env(url: str, standin_port: int, var_dir: Path, **extra: str) -> dict[str, str]:
    return bench_env(
        BYOM_VAR_DIR=str(var_dir),
        BYOM_DATABASE_URL=url,
        BYOM_ENCRYPTION_KEYS=KEYS,
        BYOM_JWT_SECRET=JWT_SECRET,
        BYOM_OPENAI_BASE_URL=f"http://127.0.0.1:{standin_port}/v1",
        **NO_LIMITS,
        **extra,
    )


async def seed_user(container: Container, n: int) -> User:
    """Bench user ``n`` with an OpenAI key (validated live against the stand-in)."""
    user = await container.register_user.execute(
        email=f"bench{n}@example.com", password="a long enough password"
    )
    await container.add_credential.execute(
        user.id,
        provider="openai",
        api_key=f"sk-proj-bench{n:04d}" + "x" * 40,
        model_name="gpt-4o-mini",
    )
    return user


async def seed_targets(settings: Settings) -> Targets:
    """Users with an OpenAI key (validated live against the stand-in), sessions and gateway
    tokens; consecutive requests of a target belong to different users."""
    container = build(settings, hasher=Argon2PasswordHasher.fast_for_tests())
    issuer = JwtTokenIssuer(JWT_SECRET, 6 * 3600, SystemClock())
    targets = Targets()
    sessions: list[list[tuple[str, str]]] = []
    await container.open()  # its change feed too: unopened, each publish warns nobody heard
    try:
        for n in range(USERS):
            user = await seed_user(container, n)
            access = f"Bearer {issuer.issue(user.id, 0)[0]}"
            owned = []
            for _ in range(SESSIONS_PER_USER):
                session = await container.start_agent_session.execute(user.id)
                owned.append((f"/api/v1/agent-sessions/{session.id}/messages", access))
            sessions.append(owned)
            token = f"Bearer {(await container.create_gateway_token.execute(user.id, 'b')).secret}"
            path = "/v1/chat/completions"
            targets.gateway.append(("POST", path, token, OPENAI_BODY))
            targets.gateway_sse.append(("POST", path, token, openai_body(stream=True)))
            medium = openai_body(stream=True, tag=MEDIUM_STREAM_TAG)
            targets.gateway_sse_medium.append(("POST", path, token, medium))
            long = openai_body(stream=True, tag=LONG_STREAM_TAG)
            targets.gateway_sse_long.append(("POST", path, token, long))
    finally:
        await container.aclose()
    for round_ in zip(*sessions, strict=True):
        targets.chat += [("POST", path, access, CHAT_BODY) for path, access in round_]
        targets.chat_sse += [("POST", path, access, CHAT_BODY, SSE) for path, access in round_]
    return targets


async def seed(settings: Settings) -> tuple[list[Spec], list[Spec]]:
    """The chat and gateway specs (what ``make profile`` and the footprint benchmark load)."""
    targets = await seed_targets(settings)
    return targets.chat, targets.gateway


@dataclass
class Plan:
    sequential: int
    concurrent: int


def stream_slice(plan: Plan) -> int:
    """Requests in one alternated round's slice of a JSON call or a short stream."""
    return max(plan.concurrent // 3, 200)


def run_config(
    name: str, url: str, workers: int, transport: str, standin_port: int, plan: Plan
) -> tuple[list[Row], dict[str, Any]]:
    """Every BYOM row of one configuration, and its workers' memory and start-up time."""
    with tempfile.TemporaryDirectory(prefix="byom-bench-") as tmp:
        workdir = Path(tmp)
        if url.startswith("sqlite"):
            from adapters.persistence.sqlalchemy.migrate import upgrade

            asyncio.run(upgrade(url))
        t = asyncio.run(seed_targets(settings_for(url, standin_port, workdir)))
        env = server_env(
            url, standin_port, workdir, BYOM_HTTP_TRANSPORT=transport, BYOM_WORKERS=str(workers)
        )
        # Unmeasured: a first start on a new machine compiles every module into the bytecode
        # cache the benchmark keeps (bench_env), which an installed service already has.
        start_server(env, workers=workers, log_path=workdir / "first.log").stop()
        # Ready: the median of three starts (one start's time on this shared machine moves by a
        # third from one minute to the next).
        starts = []
        for _ in range(2):
            again = start_server(env, workers=workers, log_path=workdir / "start.log")
            starts.append(again.started_s)
            again.stop()
        server = start_server(env, workers=workers, log_path=workdir / "serve.log")
        starts.append(server.started_s)
        pid = server.process.pid
        rows: list[Row] = []
        try:
            # Warm up every worker, its pools and its caches.
            four = zip(t.chat, t.gateway, t.chat_sse, t.gateway_sse, strict=False)
            mixed = [spec for specs in four for spec in specs]
            run_load(server.url, mixed, requests=400, concurrency=8, workdir=workdir)
            idle_rss = worker_rss_mb(pid)
            both = ((1, plan.sequential), (32, plan.concurrent))
            few = ((32, max(plan.concurrent // 4, 100)),)  # enough for a steady CPU figure
            runs = [
                ("b. chat message", t.chat, both),
                ("b. chat message SSE", t.chat_sse, few),
                ("c. gateway", t.gateway, both),
                ("c. gateway SSE", t.gateway_sse, both),
                ("c. gateway SSE long", t.gateway_sse_long, few),
            ]
            for target, specs, modes in runs:
                for concurrency, count in modes:
                    rows.append(
                        measure(name, target, server.url, specs, requests=count,
                                concurrency=concurrency, workdir=workdir, server_pid=pid)
                    )  # fmt: skip
            loaded_rss = worker_rss_mb(pid)
            streams = (t.gateway, t.gateway_sse, t.gateway_sse_medium, t.gateway_sse_long)
            rounds = alternate(server.url, streams, requests=stream_slice(plan),
                               server_pid=pid, workdir=workdir)  # fmt: skip
        finally:
            server.stop()
            if any(row.errors for row in rows):  # why, for whoever reads the table
                RESULTS.mkdir(exist_ok=True)
                kept = RESULTS / f"serve-{name.replace(' ', '-')}.log"
                shutil.copy(workdir / "serve.log", kept)
                print(f"{name}: requests failed; the server's log is in {kept}", flush=True)
        figures = {
            "rss_mb_after_warmup": idle_rss,
            "rss_mb_after_load": loaded_rss,
            "ready_s": round(statistics.median(starts), 3),
            "ready_starts_s": [round(t, 3) for t in starts],
            "stream_rounds": [asdict(r) for r in rounds],
        }
        return rows, figures
