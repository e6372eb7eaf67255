"""The LiteLLM proxy as the gateway benchmark's yardstick: installed by the benchmark into a
scratch virtual environment (pinned, reused when present), pointed at the same stand-in, loaded
by the same load generator. Its CPU per request is its process tree's, like BYOM's.

1.82.6 is the last release before the March 2026 PyPI compromise of 1.82.7 and 1.82.8 (and
later a 1.107.0 was published compromised too): a known-clean version, not the newest.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.bench._common import RESULTS, bench_env, stop_tree, wait_until_ready
from tests.bench.byom_server import openai_body
from tests.bench.load import Spec, run_load
from tests.bench.rows import Row, measure
from tests.support.live_server import free_port
from tests.support.standin_openai import LONG_STREAM_TAG

VERSION = "1.82.6"
VENV = (RESULTS / ".litellm-venv").resolve()
MASTER_KEY = "sk-bench-master"
CONFIG = "litellm proxy 1w"
ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # the bundled price map, not a download at start
    "DISABLE_ADMIN_UI": "True",
    "LITELLM_LOG": "ERROR",
}


def config_yaml(upstream_port: int, master_key: str = MASTER_KEY) -> str:
    """One model, ``gpt-4o-mini``, on the stand-in as an OpenAI-compatible upstream; no
    database, no telemetry, no callbacks."""
    return (
        "model_list:\n"
        "  - model_name: gpt-4o-mini\n"
        "    litellm_params:\n"
        "      model: openai/gpt-4o-mini\n"
        f"      api_base: http://127.0.0.1:{upstream_port}/v1\n"
        "      api_key: sk-bench-upstream\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  drop_params: true\n"
        "general_settings:\n"
        f"  master_key: {master_key}\n"
    )


def install(venv: Path = VENV, version: str = VERSION) -> Path:
    """The ``litellm`` command of ``venv``, installing it first unless that version is there.
    Raises RuntimeError with the reason when it cannot."""
    command = venv / "bin" / "litellm"
    stamp = venv / "installed-version"
    if command.exists() and stamp.exists() and stamp.read_text() == version:
        return command
    uv = shutil.which("uv") or str(Path.home() / ".local/bin/uv")
    if not Path(uv).exists():
        raise RuntimeError("uv not found (needed to install the LiteLLM proxy)")
    steps = (
        [uv, "venv", "--quiet", "--clear", "--python", "3.11", str(venv)],
        [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python",
         str(venv / "bin" / "python"), f"litellm[proxy]=={version}"],
    )  # fmt: skip
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False, timeout=900)  # noqa: S603
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"`{' '.join(step[:3])}` failed: {last}")
    stamp.write_text(version)
    return command


def start(command: Path, upstream_port: int, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    config = workdir / "litellm.yaml"
    config.write_text(config_yaml(upstream_port))
    port = free_port()
    env = bench_env(**ENV)
    env.pop("DATABASE_URL", None)
    log = (workdir / "litellm.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 (the pinned install's own command)
        [str(command), "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
         "--num_workers", "1", "--telemetry", "False"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/health/liveliness"
    wait_until_ready(
        process, lambda client: client.get(url).status_code == 200,
        log=workdir / "litellm.log", timeout_s=240, name="litellm",
    )  # fmt: skip
    return process, port


def run(upstream_port: int, sequential: int, concurrent: int, workdir: Path) -> list[Row]:
    """LiteLLM's rows: JSON sequential and at c32, streams short and long at c32."""
    command = install()
    process, port = start(command, upstream_port, workdir)
    url = f"http://127.0.0.1:{port}"
    path, auth = "/v1/chat/completions", f"Bearer {MASTER_KEY}"
    json_spec: list[Spec] = [("POST", path, auth, openai_body())]
    sse: list[Spec] = [("POST", path, auth, openai_body(stream=True))]
    sse_long: list[Spec] = [("POST", path, auth, openai_body(stream=True, tag=LONG_STREAM_TAG))]
    few = max(concurrent // 4, 100)
    # LiteLLM spends over half a millisecond per chunk: 200-chunk streams are costly.
    fewer = max(concurrent // 60, 25)
    try:
        run_load(url, json_spec + sse, requests=400, concurrency=8, workdir=workdir)
        runs = [
            ("l. litellm proxy", json_spec, 1, sequential),
            ("l. litellm proxy", json_spec, 32, concurrent),
            ("l. litellm proxy SSE", sse, 32, few),
            ("l. litellm proxy SSE long", sse_long, 32, fewer),
        ]
        return [
            measure(CONFIG, target, url, specs, requests=count, concurrency=concurrency,
                    workdir=workdir, server_pid=process.pid)
            for target, specs, concurrency, count in runs
        ]  # fmt: skip
    finally:
        stop_tree(process)
