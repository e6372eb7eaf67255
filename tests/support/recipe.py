"""The deployment recipe as data: deploy/compose.yaml, deploy/k8s/*.yaml and the environment
each gives a BYOM container, on top of what the image sets (tests/support/dockerfile.py)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

import yaml

from domain.provider import Provider
from entrypoints.settings import Settings
from entrypoints.settings._variables import PerProvider, variables
from tests.support.builders import key_line
from tests.support.dockerfile import ROOT, Dockerfile

DEPLOY = ROOT / "deploy"
PLACEHOLDER = "REPLACE_ME"
TMPFS = "/tmp"  # noqa: S108 (a path inside the container: its one writable mount)

Manifest = dict[str, Any]


def declared_variables() -> set[str]:
    """Every variable BYOM reads, per-provider ones spelled out."""
    names: set[str] = set()
    for _field, spec in variables(Settings):
        if isinstance(spec, PerProvider):
            names |= {spec.pattern.format(p.value.upper()) for p in Provider}
        else:
            names.add(spec.name)
    return names


def k8s_manifests() -> list[Manifest]:
    found: list[Manifest] = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def k8s_object(kind: str, name: str | None = None) -> Manifest:
    matches = [
        m
        for m in k8s_manifests()
        if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)
    ]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def pod_container(workload: Manifest) -> Manifest:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: Manifest = containers[0]
    return container


def k8s_environment(workload: Manifest) -> dict[str, str]:
    """What a pod of ``workload`` sees: the image's ENV, then its envFrom sources, then env."""
    env = dict(Dockerfile.read().final.env)
    container = pod_container(workload)
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(k8s_object("ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            env.update(k8s_object("Secret", source["secretRef"]["name"])["stringData"])
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


def compose() -> Manifest:
    loaded: Manifest = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def compose_environment(service: str, dotenv: Mapping[str, str]) -> dict[str, str]:
    """What ``service``'s container sees: the image's ENV, then compose's ``environment`` with
    ``${NAME:?message}`` and ``${NAME:-default}`` read from ``dotenv`` (deploy/.env)."""
    env = dict(Dockerfile.read().final.env)
    for name, value in compose()["services"][service]["environment"].items():
        env[name] = interpolate(str(value), dotenv)
    return env


def interpolate(value: str, dotenv: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, operator, argument = match[1], match[2], match[3]
        if dotenv.get(name):
            return dotenv[name]
        if operator == ":?":
            raise KeyError(f"{name}: {argument}")
        return argument or ""

    return re.sub(r"\$\{(\w+)(:\?|:-)?([^}]*)\}", one, value)


def example_dotenv() -> dict[str, str]:
    """deploy/byom.env.example as compose would read it."""
    pairs = (
        line.split("=", 1)
        for line in (DEPLOY / "byom.env.example").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {name.strip(): value.strip() for name, value in pairs}


def filled(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with each placeholder replaced by what an operator would generate for it."""
    generated = {
        "BYOM_ENCRYPTION_KEYS": key_line("k1"),
        "BYOM_JWT_SECRET": secrets.token_urlsafe(48),
        "BYOM_METRICS_TOKEN": secrets.token_urlsafe(32),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    }
    result = dict(env)
    for name, value in env.items():
        if PLACEHOLDER in value:
            result[name] = generated.get(name) or value.replace(
                PLACEHOLDER, secrets.token_urlsafe(16)
            )
    return result


def byom_variables(env: Mapping[str, str]) -> set[str]:
    return {name for name in env if name.startswith(("BYOM_", "PROMETHEUS_"))}
