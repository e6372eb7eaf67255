"""Shared fixtures. PostgreSQL tests run when BYOM_TEST_POSTGRES_URL is set; in CI they must."""

from __future__ import annotations

import os

import pytest

POSTGRES_URL = os.environ.get("BYOM_TEST_POSTGRES_URL", "")


def postgres_url_or_skip() -> str:
    """The PostgreSQL URL for tests. Skips locally without one; fails in CI rather than skip."""
    if POSTGRES_URL:
        return POSTGRES_URL
    if os.environ.get("CI"):
        pytest.fail("CI is set but BYOM_TEST_POSTGRES_URL is not: PostgreSQL tests must run in CI")
    pytest.skip("BYOM_TEST_POSTGRES_URL not set (PostgreSQL tests run in CI)")
