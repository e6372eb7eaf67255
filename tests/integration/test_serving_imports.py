"""A worker loads what serving needs and nothing else: no Alembic (readiness reads the schema's
version itself), no Jinja until a page is rendered, no advanced-alchemy, no KMS client unless
configured, never LangChain, no pydantic even where it is installed. Each is megabytes and tenths
of a second in every worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adapters.persistence.sqlalchemy.migrate import upgrade
from tests.support.live_server import REPO, server_env

NOT_SERVING = (
    "alembic",  # migrations: `byom db upgrade`, or `byom serve` before it starts the workers
    "mako",  # Alembic's templates
    "advanced_alchemy",  # no longer a dependency (Litestar imported it whenever installed)
    "jinja2",  # the settings pages' engine: made on the first page
    "botocore",  # KMS: only when BYOM_KMS_KEY_ID is set
    "aiobotocore",
    "langchain_core",  # the in-process LangChain model, never the server
    "numpy",
    "zxcvbn_rs_py",  # password strength: on the first sign-up or new password
    "redis",  # the shared store's client: only when BYOM_REDIS_URL is set
    # Installed with the development tools, and Litestar's plugins for it came with it:
    # entrypoints/http/framework.py leaves them out (the OpenAPI document, built on its first
    # request, still loads it to render examples).
    "pydantic",
    "pydantic_core",
)


def _serve(tmp_path: Path, *paths: str) -> dict[str, object]:
    env = server_env(tmp_path, BYOM_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}")
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "tests.support.serving_probe", *paths],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _top_level(modules: object) -> set[str]:
    assert isinstance(modules, list)
    return {str(name).split(".", 1)[0] for name in modules}


async def test_a_worker_serving_health_and_readiness_loads_nothing_it_does_not_need(
    tmp_path: Path,
) -> None:
    await upgrade(f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}")

    result = _serve(tmp_path, "/health/live", "/health/ready")

    assert result["statuses"] == {
        "/health/live": "HTTP/1.1 200 OK",
        "/health/ready": "HTTP/1.1 200 OK",  # the schema was checked against the head
    }
    assert _top_level(result["modules"]) & set(NOT_SERVING) == set()
    assert isinstance(result["frozen"], int)
    assert result["frozen"] > 10_000, "a serving worker's start-up is out of the collector's reach"


async def test_the_first_page_loads_jinja_and_renders(tmp_path: Path) -> None:
    await upgrade(f"sqlite+aiosqlite:///{tmp_path / 'byom.db'}")

    result = _serve(tmp_path, "/login")

    assert result["statuses"] == {"/login": "HTTP/1.1 200 OK"}
    assert "jinja2" in _top_level(result["modules"])
