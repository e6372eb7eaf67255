"""One contract for every ``LlmProvider`` adapter, replaying each provider's real wire shapes
(tests.support.wire; docs/providers.md). Every test taking ``case`` runs against all four adapters
and expects the same domain result."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.fake_http_api import Handler
from tests.support.llm_contract import CASES, Case, Harness, make_harness


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    chosen: Case = request.param
    return chosen


@pytest.fixture
def harness(case: Case) -> Callable[..., Harness]:
    def make(*replies: Handler) -> Harness:
        return make_harness(case, *replies)

    return make
