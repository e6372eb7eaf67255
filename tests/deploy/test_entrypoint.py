"""deploy/entrypoint.sh, run the way the container image runs it.

No container runtime runs here (README, "Deploying"), so the image's conditions are rebuilt
around the script: the environment is the Dockerfile's ENV (its venv first on PATH, production,
two workers), secrets come from variables only, HOME and BYOM_VAR_DIR lie beneath a regular
file (nothing can be created there, not even by root), the working directory must stay empty
(the image's /app is read-only), and a temporary directory stands for the /tmp tmpfs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from adapters.persistence.sqlalchemy.migrate import head_revision
from tests.support.builders import JWT_SECRET, key_line
from tests.support.dockerfile import ROOT, Dockerfile
from tests.support.live_server import free_port

SCRIPT = str(ROOT / "deploy" / "entrypoint.sh")
IMAGE = Dockerfile.read().final
CONFIGURATION_ERROR = 2
METRICS_TOKEN = "metrics-token-for-the-entrypoint-test"
NEVER_CONTACTED = "postgresql+asyncpg://byom:db-password-0123@127.0.0.1:1/byom"
READY_TIMEOUT_S = 120


class Image:
    """The image's environment around the script, in ``tmp_path``."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        blocked = tmp_path / "a-file"  # a regular file: nothing can be created beneath it
        blocked.write_text("")
        self.workdir = tmp_path / "app"
        self.workdir.mkdir()
        self.metrics_dir = tmp_path / "tmp" / "byom-metrics"
        self.port = free_port()
        venv_bin = str(Path(sys.executable).parent)
        self.env = dict(IMAGE.env)
        self.env.update(
            PATH=IMAGE.env["PATH"].replace("/app/.venv/bin", venv_bin).replace("$PATH", "/bin"),
            HOME=str(blocked / "home"),
            BYOM_VAR_DIR=str(blocked / "var"),
            PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir),
            BYOM_HOST="127.0.0.1",  # the image listens on 0.0.0.0; a test keeps to loopback
            BYOM_PORT=str(self.port),
            BYOM_DATABASE_URL=database_url,
            BYOM_ENCRYPTION_KEYS=key_line("k1"),
            BYOM_JWT_SECRET=JWT_SECRET,
            BYOM_METRICS_TOKEN=METRICS_TOKEN,
        )
        if redis_url := os.environ.get("BYOM_TEST_REDIS_URL"):
            self.env["BYOM_REDIS_URL"] = redis_url

    def run(self, *args: str, **changes: str | None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (our own script)
            [SCRIPT, *args],
            env=self._with(changes),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self, log: Path, *args: str) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(  # noqa: S603 (our own script)
                [SCRIPT, *args], env=self.env, cwd=self.workdir, stdout=out, stderr=out
            )

    def healthcheck(self) -> int:
        """The Dockerfile's HEALTHCHECK command, as Docker runs it inside the container."""
        command = IMAGE.last("HEALTHCHECK").exec_form
        assert command is not None
        python = str(Path(sys.executable).parent / command[0])
        done = subprocess.run([python, *command[1:]], env=self.env, timeout=30, check=False)  # noqa: S603
        return done.returncode

    def _with(self, changes: Mapping[str, str | None]) -> dict[str, str]:
        env = dict(self.env)
        for name, value in changes.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env


@pytest.fixture
def image(tmp_path: Path) -> Image:
    return Image(tmp_path, NEVER_CONTACTED)


def refusal(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused configuration prints; no traceback, nothing else."""
    assert done.returncode == CONFIGURATION_ERROR, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("configuration error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("mode", "missing", "named"),
    [
        ("serve", "BYOM_JWT_SECRET", "BYOM_JWT_SECRET is required in production"),
        ("serve", "BYOM_ENCRYPTION_KEYS", "BYOM_ENCRYPTION_KEYS or BYOM_ENCRYPTION_KEYS_FILE"),
        ("serve", "BYOM_METRICS_TOKEN", "BYOM_METRICS_TOKEN"),
        ("serve", "BYOM_DATABASE_URL", "PostgreSQL BYOM_DATABASE_URL"),
        ("migrate", "BYOM_JWT_SECRET", "BYOM_JWT_SECRET is required in production"),
        ("migrate", "BYOM_ENCRYPTION_KEYS", "BYOM_ENCRYPTION_KEYS or BYOM_ENCRYPTION_KEYS_FILE"),
    ],
)
def test_a_missing_setting_stops_the_container_before_it_starts(
    image: Image, mode: str, missing: str, named: str
) -> None:
    done = image.run(mode, **{missing: None})
    assert named in refusal(done)
    assert done.stdout == "", "nothing served, nothing migrated"


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("BYOM_JWT_SECRET", "a-short-secret-value", "BYOM_JWT_SECRET must be at least 32 bytes"),
        ("BYOM_ENCRYPTION_KEYS", "k1:not-a-key-at-all", "keyring entry 1"),
    ],
)
def test_a_refused_secret_is_named_and_never_echoed(
    image: Image, name: str, value: str, named: str
) -> None:
    line = refusal(image.run("serve", **{name: value}))
    assert named in line
    assert value not in line
    assert value.split(":")[-1] not in line


def test_a_keyring_file_others_can_read_is_refused(image: Image, tmp_path: Path) -> None:
    keyring = tmp_path / "keyring"
    keyring.write_text(key_line("k1") + "\n")
    keyring.chmod(0o644)
    done = image.run("migrate", BYOM_ENCRYPTION_KEYS=None, BYOM_ENCRYPTION_KEYS_FILE=str(keyring))
    assert "chmod 600" in refusal(done)


def test_the_image_refuses_development_settings(image: Image) -> None:
    # Development would generate secrets and a SQLite database under var/: not in an image.
    assert "needs production" in refusal(image.run("serve", BYOM_ENV="development"))


def test_check_says_what_it_found_and_no_secret(image: Image) -> None:
    done = image.run("check")
    assert done.returncode == 0, done.stderr
    assert "configuration ok (production)" in done.stdout
    assert "master keys: 1 (primary k1)" in done.stdout
    assert "127.0.0.1:1/byom" in done.stdout
    for secret in (
        image.env["BYOM_JWT_SECRET"],
        image.env["BYOM_ENCRYPTION_KEYS"].split(":")[1],
        METRICS_TOKEN,
        "db-password-0123",
    ):
        assert secret not in done.stdout + done.stderr


def test_any_other_command_is_a_byom_command(image: Image) -> None:
    # How an operator makes the keyring with the image alone: `docker run byom keys generate`.
    done = image.run("keys", "generate", "--id", "k9")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("k9:")
    assert image.run("no-such-command").returncode != 0


@pytest.mark.slow
@pytest.mark.postgres
def test_the_image_migrates_then_serves_then_stops_on_sigterm(pg_url: str, tmp_path: Path) -> None:
    image = Image(tmp_path, pg_url)  # an empty database of its own

    migrated = image.run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "database at head" in migrated.stdout
    assert image.run("db", "current").stdout.strip() == head_revision()

    log = tmp_path / "serve.log"
    server = image.start(log, "serve")
    try:
        url = f"http://127.0.0.1:{image.port}"
        _wait_until_ready(server, url, log)
        client = httpx.Client(base_url=url, timeout=30)  # a loaded CI machine is slow, not wrong
        assert client.get("/health/live").status_code == 200
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "database": "ok", "keyring": "1 keys loaded"}
        assert client.get("/metrics").status_code == 401
        scrape = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        client.close()
        assert scrape.status_code == 200
        assert "byom_requests_total" in scrape.text
        assert image.healthcheck() == 0

        server.send_signal(signal.SIGTERM)  # what tini forwards on `docker stop`
        assert server.wait(timeout=60) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)

    assert image.healthcheck() != 0, "the healthcheck fails once nothing answers"
    assert list(image.workdir.iterdir()) == [], "nothing written where the image is read-only"
    assert list(image.metrics_dir.glob("*.db")), "the workers' metrics went to the tmpfs"


def _wait_until_ready(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"exited with {server.returncode}:\n{log.read_text()}"
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"not ready in {READY_TIMEOUT_S}s:\n{log.read_text()}")
