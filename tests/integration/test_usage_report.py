"""GET /api/v1/users/me/usage with since/until, per source and per gateway token, and its CSV
export (/usage.csv): the caller's calls only, one row each, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory
from application.usage.export_usage import ExportUsage
from domain.usage import UsageSource
from tests.support.api import Api
from tests.support.entities import usage

T = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NASTY = '=HYPERLINK("https://evil.example","x")'


def _uow(api: Api) -> SqlAlchemyUnitOfWorkFactory:
    """The test's own engine: the app's is bound to the loop that serves requests."""
    return SqlAlchemyUnitOfWorkFactory(api.engine)


async def _me(api: Api, email: str) -> tuple[dict[str, str], UUID]:
    me = await api.signup_and_login(email)
    found = await api.client.get("/api/v1/users/me", headers=me)
    return me, UUID(found.json()["id"])


async def _token(api: Api, me: dict[str, str], name: str) -> dict[str, Any]:
    created = await api.client.post(
        "/api/v1/users/me/gateway-tokens", json={"name": name}, headers=me
    )
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def _history(api: Api, user_id: UUID, token: UUID) -> list[Any]:
    records = [
        usage(user_id, created_at=T - timedelta(days=1), cost_usd=Decimal("0.001")),
        usage(
            user_id,
            "openai",
            "-1+1",
            created_at=T,
            source=UsageSource.GATEWAY,
            gateway_token_id=token,
            cost_usd=Decimal("0.002"),
            estimated=True,
        ),
        usage(
            user_id,
            created_at=T + timedelta(hours=1),
            source=UsageSource.IN_PROCESS,
            cost_usd=None,
            session_id=uuid4(),
            credential_id=uuid4(),
        ),
    ]
    async with _uow(api)() as uow:
        for record in records:
            await uow.usage.add(record)
        await uow.commit()
    return records


async def test_the_report_breaks_down_per_source_and_token_within_since_and_until(
    api: Api,
) -> None:
    me, user_id = await _me(api, "report@example.com")
    token = await _token(api, me, "laptop")
    await _history(api, user_id, UUID(token["id"]))
    _, other_id = await _me(api, "other@example.com")
    await _history(api, other_id, uuid4())

    everything = (await api.client.get("/api/v1/users/me/usage", headers=me)).json()
    assert [(s["source"], s["calls"], s["cost_usd"]) for s in everything["by_source"]] == [
        ("gateway", 1, "0.002"),
        ("in-process", 1, "0"),
        ("session", 1, "0.001"),
    ]
    assert [(t["gateway_token_id"], t["name"], t["calls"]) for t in everything["by_token"]] == [
        (None, None, 2),
        (token["id"], "laptop", 1),
    ]
    assert everything["by_token"][1]["hint"] == token["hint"]

    window = await api.client.get(
        "/api/v1/users/me/usage",
        params={"since": "2025-03-01", "until": "2025-03-01T13:00:00+01:00"},
        headers=me,
    )
    body = window.json()
    assert (body["since"], body["until"]) == ("2025-03-01T00:00:00Z", "2025-03-01T12:00:00Z")
    assert body["by_source"] == [], "until is exclusive: the call at 12:00 is outside"
    later = await api.client.get(
        "/api/v1/users/me/usage", params={"since": "2025-03-01T12:00:00"}, headers=me
    )
    assert [s["source"] for s in later.json()["by_source"]] == ["gateway", "in-process"]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2025-03-02", "until": "2025-03-01"},
        {"since": "2025-03-01T00:00:00Z", "until": "2025-03-01T01:00:00+01:00"},
        {"until": "yesterday"},
        {"until": "2025-13-01"},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/users/me/usage", "/api/v1/users/me/usage.csv"])
async def test_a_period_that_holds_nothing_or_is_not_a_time_is_a_422_problem(
    api: Api, params: dict[str, str], path: str
) -> None:
    me = await api.signup_and_login(f"period-{uuid4().hex[:6]}@example.com")
    refused = await api.client.get(path, params=params, headers=me)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    slugs = ("/problems/invalid-usage-period", "/problems/validation-error")
    assert refused.json()["type"] in slugs


async def test_the_csv_has_one_row_per_call_and_defuses_formulas(api: Api) -> None:
    me, user_id = await _me(api, "csv@example.com")
    token = await _token(api, me, NASTY)
    records = await _history(api, user_id, UUID(token["id"]))
    _, other_id = await _me(api, "csv-other@example.com")
    await _history(api, other_id, uuid4())

    exported = await api.client.get("/api/v1/users/me/usage.csv", headers=me)

    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"].startswith('attachment; filename="byom-usage-')
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 3
    assert [r["time"] for r in rows] == [
        "2025-02-28T12:00:00Z",
        "2025-03-01T12:00:00Z",
        "2025-03-01T13:00:00Z",
    ]
    gateway = rows[1]
    assert gateway == {
        "time": "2025-03-01T12:00:00Z",
        "source": "gateway",
        "provider": "openai",
        "model": "'-1+1",
        "credential_id": "",
        "session_id": "",
        "gateway_token_id": token["id"],
        "gateway_token_name": "'" + NASTY,
        "input_tokens": "100",
        "output_tokens": "50",
        "estimated": "true",
        "cost_usd": "0.002",
    }
    in_process = rows[2]
    assert (in_process["session_id"], in_process["credential_id"], in_process["cost_usd"]) == (
        str(records[2].session_id),
        str(records[2].credential_id),
        "",
    )
    window = await api.client.get(
        "/api/v1/users/me/usage.csv", params={"since": "2025-03-01T12:30:00Z"}, headers=me
    )
    assert [r["source"] for r in csv.DictReader(io.StringIO(window.text))] == ["in-process"]


async def test_the_export_reads_a_long_history_a_page_at_a_time(api: Api) -> None:
    _, user_id = await _me(api, "pages@example.com")
    async with _uow(api)() as uow:
        for minute in range(7):
            await uow.usage.add(usage(user_id, created_at=T + timedelta(minutes=minute // 2)))
        await uow.commit()

    export = await ExportUsage(_uow(api), page_size=3).execute(user_id)
    pages = [page async for page in export.pages()]

    assert [len(p) for p in pages] == [3, 3, 1]
    times = [c.record.created_at for p in pages for c in p]
    assert times == sorted(times)
    assert len({c.record.id for p in pages for c in p}) == 7
