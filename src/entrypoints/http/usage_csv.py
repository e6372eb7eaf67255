"""Usage as CSV: one row per call, streamed a page at a time.

Cells are written for spreadsheets as well as parsers: text that a spreadsheet would read as a
formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first: OWASP's CSV injection list) is
prefixed with ``'``. Model names and token names are the user's (or a provider's) own text."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID

from litestar.response import Stream

from application.usage.export_usage import ExportedCall, UsageExport
from entrypoints.http.money import usd

CSV_MEDIA_TYPE = "text/csv"  # Litestar adds "; charset=utf-8"
HEADER = (
    "time",
    "source",
    "provider",
    "model",
    "credential_id",
    "session_id",
    "gateway_token_id",
    "gateway_token_name",
    "input_tokens",
    "output_tokens",
    "estimated",
    "cost_usd",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_response(export: UsageExport, today: datetime) -> Stream:
    filename = f"byom-usage-{today.astimezone(UTC):%Y%m%d}.csv"
    return Stream(
        _lines(export),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
        },
    )


async def _lines(export: UsageExport) -> AsyncIterator[bytes]:
    yield _encode([HEADER])
    async for page in export.pages():
        yield _encode(_row(call) for call in page)


def _encode(rows: Iterable[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def _row(call: ExportedCall) -> tuple[str, ...]:
    r = call.record
    return (
        r.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        r.source.value,
        safe_cell(r.provider),
        safe_cell(r.model),
        _id(r.credential_id),
        _id(r.session_id),
        _id(r.gateway_token_id),
        safe_cell(call.token_name or ""),
        str(r.input_tokens),
        str(r.output_tokens),
        "true" if r.estimated else "false",
        "" if r.cost_usd is None else usd(r.cost_usd),
    )


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _id(value: UUID | None) -> str:
    return "" if value is None else str(value)
