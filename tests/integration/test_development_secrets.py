"""A first ``byom serve`` in development generates its master key and JWT secret and says so in
the log, naming the files and never the secrets (README, "Two commands")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.live_server import served, server_env


@pytest.mark.slow
def test_the_first_start_logs_both_generated_secrets_and_neither_value(tmp_path: Path) -> None:
    env = server_env(tmp_path, BYOM_LOG_LEVEL="INFO")
    for configured in ("BYOM_ENCRYPTION_KEYS", "BYOM_JWT_SECRET"):
        del env[configured]  # what a newcomer has: nothing configured

    with served(env, log_path=tmp_path / "serve.log") as server:
        log = server.log()

    jwt_secret = (tmp_path / "jwt-secret").read_text().strip()
    key_lines = (tmp_path / "encryption-keys").read_text().splitlines()
    master_key = next(line for line in key_lines if not line.startswith("#")).split(":", 1)[1]
    assert f"generated a new development master key in {tmp_path / 'encryption-keys'}" in log
    assert f"generated a new development JWT secret in {tmp_path / 'jwt-secret'}" in log
    assert jwt_secret not in log
    assert master_key not in log
