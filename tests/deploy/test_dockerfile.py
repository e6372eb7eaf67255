"""The container image's recipe, checked from the Dockerfile's text: no container runtime runs
here (README, "Deploying"). What the image runs, deploy/entrypoint.sh, is run for real in
test_entrypoint.py; these are the properties a build would have."""

from __future__ import annotations

import os
import re

import pytest

from tests.support.dockerfile import ROOT, Dockerfile, DockerIgnore, Stage
from tests.support.recipe import TMPFS, byom_variables, declared_variables

DOCKERFILE = Dockerfile.read()
FINAL = DOCKERFILE.final
BUILDER = DOCKERFILE.stage("builder")
# What compiles or links code: none of it may reach the runtime image.
TOOLCHAIN = re.compile(r"^(build-essential|gcc.*|g\+\+.*|cpp.*|clang.*|make|cmake|.*-dev)$")


def installed_packages(stage: Stage) -> set[str]:
    """The operands of every ``apt-get install`` (and apk/yum alike) in the stage's RUNs."""
    packages: set[str] = set()
    for run in stage.all("RUN"):
        for command in re.split(r"&&|;|\|\|", run.arguments):
            words = command.split()
            if "install" in words and words[0] in {"apt-get", "apt", "apk", "yum", "dnf"}:
                rest = words[words.index("install") + 1 :]
                packages |= {w for w in rest if not w.startswith("-")}
    return packages


def test_the_runtime_is_a_slim_stage_built_from_a_separate_builder() -> None:
    assert len(DOCKERFILE.stages) >= 2
    assert FINAL.base != "builder", "the runtime starts afresh, not from the builder"
    assert "slim" in FINAL.base
    assert BUILDER.base == FINAL.base, "one Python for building the venv and running it"


def test_the_builder_installs_exactly_the_lock_without_dev_tools() -> None:
    syncs = [run for run in BUILDER.all("RUN") if "uv sync" in run.arguments]
    assert syncs, "the builder runs uv sync"
    for run in syncs:
        words = run.words
        assert "--frozen" in words, "uv.lock as committed, never re-resolved"
        assert "--no-dev" in words
    before = BUILDER.instructions[: BUILDER.instructions.index(syncs[0])]
    copied = any(c.keyword == "COPY" and "uv.lock" in c.operands[:-1] for c in before)
    assert copied or "source=uv.lock" in syncs[0].flags["mount"], "the first sync sees uv.lock"
    assert BUILDER.env["UV_PROJECT_ENVIRONMENT"] == "/app/.venv"
    for stage in DOCKERFILE.stages:
        for run in stage.all("RUN"):
            assert "pip install" not in run.arguments, "everything comes from uv.lock"


def test_the_runtime_holds_the_venv_and_the_source_and_no_toolchain() -> None:
    copies = FINAL.all("COPY")
    from_builder = {c.operands[-1] for c in copies if c.flags.get("from") == "builder"}
    assert from_builder == {"/app/.venv", "/app/src", "/app/migrations"}
    assert not [c for c in copies if c.flags.get("from") not in {None, "builder"}], (
        "nothing else from other stages (no uv binary in the runtime)"
    )
    assert not {p for p in installed_packages(FINAL) if TOOLCHAIN.match(p)}
    assert installed_packages(FINAL) == {"tini"}
    assert FINAL.env["PATH"].startswith("/app/.venv/bin:")


def test_the_build_context_holds_what_the_build_copies_and_no_local_state() -> None:
    ignore = DockerIgnore.read()
    for copy in [c for s in DOCKERFILE.stages for c in s.all("COPY") if "from" not in c.flags]:
        for source in copy.operands[:-1]:
            assert (ROOT / source).exists(), source
            assert ignore.sends(source.rstrip("/")), f"{source} is excluded by .dockerignore"
    # The project's metadata names its readme: the editable install needs it in the context.
    assert ignore.sends("README.md")
    assert ignore.sends("src/entrypoints/cli/config.py")
    for local in (
        ".venv/bin/python",
        ".git/HEAD",
        "var/encryption-keys",
        "deploy/.env",
        "tests/conftest.py",
        "src/entrypoints/__pycache__/app.cpython-311.pyc",
    ):
        assert not ignore.sends(local), local


def test_the_service_runs_as_the_unprivileged_user_the_image_creates() -> None:
    user = FINAL.last("USER").arguments
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), "numeric, so Kubernetes' runAsNonRoot can verify it"
    assert int(uid) >= 1000
    created = " ".join(run.arguments for run in FINAL.all("RUN"))
    assert f"--uid {uid}" in created
    assert f"--gid {gid or uid}" in created
    assert FINAL.instructions.index(FINAL.last("USER")) > max(
        FINAL.instructions.index(run) for run in FINAL.all("RUN")
    ), "nothing runs as root after the switch"


def test_signals_reach_the_server_through_tini_and_the_entrypoint() -> None:
    assert FINAL.last("STOPSIGNAL").arguments == "SIGTERM"
    entrypoint = FINAL.last("ENTRYPOINT").exec_form
    assert entrypoint is not None, "exec form: no shell in between to swallow SIGTERM"
    tini, separator, script = entrypoint
    assert tini.endswith("/tini")
    assert separator == "--"
    copied = {c.operands[-1]: c.operands[0] for c in FINAL.all("COPY")}
    assert copied[script] == "deploy/entrypoint.sh"
    assert os.access(ROOT / "deploy/entrypoint.sh", os.X_OK)
    assert "exec byom serve" in (ROOT / "deploy/entrypoint.sh").read_text()
    assert FINAL.last("CMD").exec_form == ["serve"]


def test_the_healthcheck_asks_the_liveness_route_without_curl() -> None:
    check = FINAL.last("HEALTHCHECK").exec_form
    assert check is not None
    assert check[:2] == ["python", "-c"], "no curl in a slim image: the standard library asks"
    assert "/health/live" in check[2]
    # test_entrypoint.py runs this same command against the served image environment.


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BYOM_ENV", "production"),
        ("BYOM_HOST", "0.0.0.0"),
        ("BYOM_LOG_FORMAT", "json"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
    ],
)
def test_the_image_runs_in_production_mode(name: str, value: str) -> None:
    assert FINAL.env[name] == value


def test_the_only_writable_place_is_tmp() -> None:
    env = FINAL.env
    assert env["PROMETHEUS_MULTIPROC_DIR"].startswith(f"{TMPFS}/"), "the one tmpfs"
    assert env["BYOM_VAR_DIR"].startswith("/nonexistent/"), "production never writes var/"
    assert byom_variables(env) <= declared_variables(), "every variable set is one BYOM reads"
    assert FINAL.last("EXPOSE").arguments == env["BYOM_PORT"]
