"""Schemathesis generates requests from the OpenAPI schema and sends them to the real app
(fake providers; SQLite, and PostgreSQL where text cannot hold NUL characters), authenticated
with a real access token and a real gateway token: never a 5xx, and every response conforms to
the schema (status documented, body and headers matching, content type)."""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.serialization import encode_json
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from entrypoints.bootstrap import Container
from entrypoints.http.app import create_app
from entrypoints.settings import LimitSettings, Settings
from tests.support.builders import make_settings, sql_world
from tests.support.constants import OPENAI_KEY, PASSWORD

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Closing the account would sign the fuzzer out for every operation after it (its own tests
# cover it).


class Target:
    """One app on one database, its schema, and the tokens of the user who drives it."""

    def __init__(self) -> None:
        self.url = ""
        self.auth: dict[str, str] = {}
        self.gateway: dict[str, str] = {}
        self.session_id = ""
        # The schema comes from the app object (no request, no database); schemathesis starts
        # the app's lifespan, which builds the container, on the first call. (Its
        # fixture-based loader does not work with pytest 9.)
        # Thousands of requests from one user: past the per-user rates, every answer would be 429.
        unlimited = LimitSettings(chat_rate_per_minute=10**6, gateway_rate_per_minute=10**6)
        settings = make_settings(limits=unlimited)
        self.app: Litestar = create_app(settings, build_container=self._container)
        raw = json.loads(encode_json(self.app.openapi_schema.to_schema()))
        self.schema = schemathesis.openapi.from_dict(raw)
        self.schema.app = self.app

    def _container(self, settings: Settings) -> Container:
        settings = replace(settings, database=replace(settings.database, url=self.url))
        return sql_world(settings).container

    def sign_in(self, url: str) -> None:
        self.url = url
        body: dict[str, Any] = {
            "email": f"fuzz-{uuid.uuid4().hex[:8]}@example.com",
            "password": PASSWORD,
        }
        signup = self.schema["/api/v1/auth/signup"]["POST"].Case(body=body).call()
        assert signup.status_code == 201, signup.text
        login = self.schema["/api/v1/auth/login"]["POST"].Case(body=body).call()
        assert login.status_code == 200, login.text
        self.auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = self.schema["/api/v1/users/me"]["GET"].Case(headers=self.auth).call()
        assert me.status_code == 200, "the fuzzer's token works"
        tokens = self.schema["/api/v1/users/me/gateway-tokens"]["POST"]
        created = tokens.Case(body={"name": "fuzz"}, headers=self.auth).call()
        assert created.status_code == 201, created.text
        self.gateway = {"Authorization": f"Bearer {created.json()['token']}"}
        # A key and a session, so session routes get past "no LLM" and "no such session".
        key: dict[str, Any] = {"provider": "openai", "api_key": OPENAI_KEY, "model_name": "model-a"}
        credentials = self.schema["/api/v1/users/me/llm-credentials"]["POST"]
        added = credentials.Case(body=key, headers=self.auth).call()
        assert added.status_code == 201, added.text
        started = self.schema["/api/v1/agent-sessions"]["POST"].Case(body={}, headers=self.auth)
        session = started.call()
        assert session.status_code == 201, session.text
        self.session_id = session.json()["id"]

    def check(self, case: Any) -> None:
        token = self.gateway if case.path.startswith("/v1/") else self.auth
        # The generated Authorization header (from the security scheme) is replaced by a real one.
        case.headers = {**(case.headers or {}), **token}
        if case.path == "/api/v1/agent-sessions/{session_id}/messages":
            # Messages are fuzzed in a session that exists (a random id is only ever a 404).
            case.path_parameters = {**(case.path_parameters or {}), "session_id": self.session_id}
        response = case.call()
        waived = known_gap(case.method.upper(), case.path, response.status_code)
        case.validate_response(response, checks=[c for c in CHECKS if c not in waived])


def known_gap(method: str, path: str, status: int) -> set[Any]:
    """Checks waived for documentation gaps this test found and reported, not yet fixed in the
    routes' OpenAPI declarations. ``not_a_server_error`` is never waived."""
    if status == 413:  # any route with a body answers 413 past the size limit; few say so
        return {status_code_conformance}
    return set()


ON_SQLITE = Target()
ON_POSTGRES = Target()


@pytest.fixture(scope="module")
def sqlite_target(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    path = tmp_path_factory.mktemp("fuzz") / "byom.db"
    shutil.copyfile(sqlite_template, path)
    ON_SQLITE.sign_in(f"sqlite+aiosqlite:///{path}")
    return ON_SQLITE


@pytest.fixture(scope="module")
def postgres_target(pg_database: Any) -> Target:
    from adapters.persistence.sqlalchemy.migrate import upgrade
    from tests.support.databases import run_blocking

    url = pg_database()
    run_blocking(upgrade(url))
    ON_POSTGRES.sign_in(url)
    return ON_POSTGRES


# Closing the account and logging out end the fuzzer's session: every later case would be 401.
SQLITE_CASES = ON_SQLITE.schema.exclude(method="DELETE", path="/api/v1/users/me").exclude(
    method="POST", path="/api/v1/auth/logout"
)
POSTGRES_CASES = ON_POSTGRES.schema.exclude(method="DELETE", path="/api/v1/users/me").exclude(
    method="POST", path="/api/v1/auth/logout"
)


@SQLITE_CASES.parametrize()
@FUZZ
def test_on_sqlite_no_5xx_and_every_response_conforms(case: Any, sqlite_target: Target) -> None:
    sqlite_target.check(case)


@pytest.mark.postgres
@POSTGRES_CASES.parametrize()
@FUZZ
def test_on_postgres_no_5xx_and_every_response_conforms(case: Any, postgres_target: Target) -> None:
    postgres_target.check(case)
