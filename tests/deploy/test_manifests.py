"""deploy/compose.yaml and deploy/k8s/: loaded as YAML and checked against the app they deploy
(its routes, its settings, the image's user and port, the README's measured footprint)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from adapters.crypto.keyring import KeyringError
from entrypoints.bootstrap import key_wrapper
from entrypoints.http.app import create_app
from entrypoints.settings import Settings, SettingsError
from tests.support.builders import World, memory_world
from tests.support.dockerfile import ROOT, Dockerfile
from tests.support.recipe import (
    PLACEHOLDER,
    TMPFS,
    byom_variables,
    compose,
    compose_environment,
    declared_variables,
    example_dotenv,
    filled,
    k8s_environment,
    k8s_manifests,
    k8s_object,
    pod_container,
)

IMAGE_ENV = Dockerfile.read().final.env
IMAGE_UID = int(Dockerfile.read().final.last("USER").arguments.split(":")[0])
DEPLOYMENT = k8s_object("Deployment")
JOB = k8s_object("Job")
WORKLOADS = [pytest.param(DEPLOYMENT, id="deployment"), pytest.param(JOB, id="migrate-job")]
BYOM_SERVICES = ["migrate", "byom-1", "byom-2"]
MIB = 1024 * 1024


@pytest.fixture
async def probed() -> AsyncIterator[tuple[World, AsyncTestClient[Litestar]]]:
    world = memory_world()
    async with AsyncTestClient(create_app(container=world.container)) as client:
        yield world, client


def probe_paths() -> dict[str, str]:
    container = pod_container(DEPLOYMENT)
    return {
        kind: container[f"{kind}Probe"]["httpGet"]["path"]
        for kind in ("liveness", "readiness", "startup")
    }


async def test_the_probes_ask_routes_that_tell_liveness_from_readiness(
    probed: tuple[World, AsyncTestClient[Litestar]],
) -> None:
    world, client = probed
    paths = probe_paths()
    for path in paths.values():
        assert (await client.get(path)).status_code == 200, path
    world.health.up = False  # the database stops answering
    assert (await client.get(paths["liveness"])).status_code == 200, "no restart for an outage"
    assert (await client.get(paths["startup"])).status_code == 200
    assert (await client.get(paths["readiness"])).status_code == 503, "no traffic meanwhile"


def test_the_probes_service_and_image_agree_on_the_port() -> None:
    container = pod_container(DEPLOYMENT)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["http"] == int(IMAGE_ENV["BYOM_PORT"])
    for kind in ("liveness", "readiness", "startup"):
        assert container[f"{kind}Probe"]["httpGet"]["port"] in ("http", ports["http"])
    service = k8s_object("Service")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]


def test_the_service_and_the_disruption_budget_select_the_deployments_pods() -> None:
    pod_labels = DEPLOYMENT["spec"]["template"]["metadata"]["labels"]
    selected = DEPLOYMENT["spec"]["selector"]["matchLabels"]
    pdb = k8s_object("PodDisruptionBudget")
    for selector in (selected, k8s_object("Service")["spec"]["selector"], pdb["spec"]["selector"]):
        labels = selector.get("matchLabels", selector)
        assert labels.items() <= pod_labels.items()
    job_labels = JOB["spec"]["template"]["metadata"]["labels"]
    assert not selected.items() <= job_labels.items(), "the Service never routes to the Job"
    assert 0 < pdb["spec"]["minAvailable"] < DEPLOYMENT["spec"]["replicas"]
    assert DEPLOYMENT["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


@pytest.mark.parametrize("workload", WORKLOADS)
def test_pods_run_as_the_images_user_on_a_read_only_root(workload: dict[str, object]) -> None:
    pod = workload["spec"]["template"]["spec"]  # type: ignore[index]
    container = pod_container(workload)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == IMAGE_UID
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    writable = [path for path, name in mounts.items() if "emptyDir" in volumes[name]]
    assert writable == [TMPFS]
    assert IMAGE_ENV["PROMETHEUS_MULTIPROC_DIR"].startswith(f"{TMPFS}/")
    assert container["image"] == pod_container(DEPLOYMENT)["image"], "one image for both"


def test_the_deployment_serves_and_the_job_migrates() -> None:
    # The entrypoint's modes (deploy/entrypoint.sh, exercised in test_entrypoint.py).
    assert pod_container(DEPLOYMENT)["args"] == ["serve"]
    assert pod_container(JOB)["args"] == ["migrate"]
    assert JOB["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_memory_requests_cover_the_measured_footprint() -> None:
    """README "Performance" measured the supervisor and each worker after 2,000 requests."""
    readme = (ROOT / "README.md").read_text()
    footprint = re.search(
        r"(\d+)–(\d+) MB after 2,000\s+requests, the supervising process (\d+) MB", readme
    )
    assert footprint, "README's footprint sentence (tests/bench/bench_footprint.py)"
    worker_mb, supervisor_mb = int(footprint[2]), int(footprint[3])
    workers = int(k8s_environment(DEPLOYMENT)["BYOM_WORKERS"])
    resources = pod_container(DEPLOYMENT)["resources"]
    request = _bytes(resources["requests"]["memory"])
    assert request >= (supervisor_mb + workers * worker_mb) * 1_000_000
    assert _bytes(resources["limits"]["memory"]) >= 2 * request
    assert _bytes(pod_container(JOB)["resources"]["requests"]["memory"]) >= worker_mb * 1_000_000


def _bytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * MIB * (1024 if unit == "Gi" else 1)


@pytest.mark.parametrize("workload", WORKLOADS)
def test_the_k8s_environment_is_a_complete_production_configuration(
    workload: dict[str, object],
) -> None:
    env = k8s_environment(workload)
    assert byom_variables(env) <= declared_variables()
    settings = Settings.from_env(filled(env))
    assert settings.is_production
    assert not settings.database.is_sqlite
    assert settings.server.redis_url, "replicas share rate limits, throttles and revocations"


def test_the_secret_holds_placeholders_byom_refuses() -> None:
    secret = k8s_object("Secret")
    assert "data" not in secret, "no base64 values that could hide a real secret"
    assert all(PLACEHOLDER in value for value in secret["stringData"].values())
    env = k8s_environment(DEPLOYMENT)
    with pytest.raises(SettingsError, match="BYOM_JWT_SECRET"):
        Settings.from_env(env)
    with_jwt = Settings.from_env({**env, "BYOM_JWT_SECRET": filled(env)["BYOM_JWT_SECRET"]})
    with pytest.raises(KeyringError, match="malformed"):
        key_wrapper(with_jwt)


def test_nginx_accepts_the_proxy_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if nginx is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but nginx is not installed (.ci/run installs Debian's)")
        pytest.skip("nginx not installed (it runs in CI)")
    # nginx resolves upstream names when it loads: compose's DNS names become loopback here.
    config = tmp_path / "nginx.conf"
    text = (ROOT / "deploy/nginx.conf").read_text()
    config.write_text(re.sub(r"server byom-\d+:", "server 127.0.0.1:", text))
    checked = subprocess.run(  # noqa: S603 (nginx -t reads the file, starts nothing)
        [nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("service", BYOM_SERVICES)
def test_compose_gives_each_byom_container_a_complete_production_configuration(
    service: str,
) -> None:
    env = compose_environment(service, filled(example_dotenv()))
    assert byom_variables(env) <= declared_variables()
    settings = Settings.from_env(env)
    assert settings.is_production
    services = compose()["services"]
    assert make_url(env["BYOM_DATABASE_URL"]).host in services
    assert urlsplit(env["BYOM_REDIS_URL"]).hostname in services
    without_jwt = {k: v for k, v in example_dotenv().items() if k != "BYOM_JWT_SECRET"}
    with pytest.raises(KeyError, match="BYOM_JWT_SECRET"):  # compose's ${…:?} refuses to start
        compose_environment(service, without_jwt)


def test_compose_migrates_once_before_two_replicas_start_behind_the_proxy() -> None:
    services = compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    replicas = [name for name, s in services.items() if s.get("command") == ["serve"]]
    assert replicas == ["byom-1", "byom-2"]
    for name in replicas:
        after = services[name]["depends_on"]["migrate"]["condition"]
        assert after == "service_completed_successfully"
    for name in BYOM_SERVICES:
        assert services[name]["read_only"] is True
        assert [t.split(":")[0] for t in services[name]["tmpfs"]] == [TMPFS]
    nginx = (ROOT / "deploy/nginx.conf").read_text()
    upstream = re.search(r"upstream byom \{(.*?)\}", nginx, re.S)
    assert upstream
    servers = re.findall(r"^\s*server ([\w-]+):(\d+)", upstream[1], re.M)
    assert servers == [(name, IMAGE_ENV["BYOM_PORT"]) for name in replicas]
    proxy_depends = services["proxy"]["depends_on"]
    assert {name: proxy_depends[name]["condition"] for name in replicas} == dict.fromkeys(
        replicas, "service_healthy"
    )


def test_every_manifest_is_a_known_kind_with_a_name() -> None:
    kinds = sorted(m["kind"] for m in k8s_manifests())
    expected = ["ConfigMap", "Deployment", "Job", "Kustomization", "PodDisruptionBudget"]
    assert kinds == sorted([*expected, "Secret", "Service"])
