"""One handler and one format for every logger of the process, with the request's id."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator

import pytest

from entrypoints.logging_setup import configure_logging, request_id_var


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    gathered = logging.logThreads, logging.logProcesses, logging.logMultiprocessing
    source = logging._srcfile
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)
    logging.logThreads, logging.logProcesses, logging.logMultiprocessing = gathered
    logging._srcfile = source


def _records(err: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in err.splitlines()]


def test_every_logger_s_lines_carry_the_id_of_the_request_being_served(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    token = request_id_var.set("req-42")
    try:
        logging.getLogger("byom").info("ours")
        logging.getLogger("sqlalchemy.pool").warning("theirs")
        logging.getLogger("httpx").warning("a client's")
    finally:
        request_id_var.reset(token)
    logging.getLogger("byom").info("after the request")
    records = _records(capsys.readouterr().err)
    assert [(r["message"], r["request_id"]) for r in records] == [
        ("ours", "req-42"),
        ("theirs", "req-42"),
        ("a client's", "req-42"),
        ("after the request", "-"),
    ]


def test_python_warnings_become_log_lines_with_the_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    token = request_id_var.set("req-7")
    try:
        warnings.warn("a deprecated query form", DeprecationWarning, stacklevel=1)
    finally:
        request_id_var.reset(token)
    [record] = _records(capsys.readouterr().err)
    assert record["logger"] == "py.warnings"
    assert record["request_id"] == "req-7"
    assert "a deprecated query form" in record["message"]


def test_uvicorn_and_alembic_handlers_of_their_own_give_way_to_ours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What uvicorn's default dictConfig and Alembic's fileConfig leave behind.
    for name in ("uvicorn.error", "alembic"):
        foreign = logging.getLogger(name)
        foreign.addHandler(logging.StreamHandler())
        foreign.propagate = False
    # uvicorn.Config sets uvicorn.error's level to its own log_level (an in-process server in an
    # earlier test left WARNING); fileConfig disables the loggers it does not name.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.migration").disabled = True
    configure_logging("DEBUG", "json")
    logging.getLogger("uvicorn.error").info("Started server process [1]")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade")
    logging.getLogger("uvicorn.access").info('"GET /?token=secret HTTP/1.1" 200')
    records = _records(capsys.readouterr().err)
    assert [r["logger"] for r in records] == ["uvicorn.error", "alembic.runtime.migration"]


def test_alembic_s_info_lines_show_at_debug_only(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "console")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    assert capsys.readouterr().err == ""
    configure_logging("DEBUG", "console")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    assert "alembic.runtime.migration: Context impl SQLiteImpl." in capsys.readouterr().err


def test_console_lines_name_the_request_while_serving(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "console")
    logging.getLogger("byom").info("outside")
    token = request_id_var.set("req-9")
    try:
        logging.getLogger("byom").info("inside")
    finally:
        request_id_var.reset(token)
    outside, inside = capsys.readouterr().err.splitlines()
    assert outside.endswith(" INFO    byom: outside")
    assert inside.endswith(" INFO    byom [req-9]: inside")


def test_records_skip_what_no_format_shows(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    configure_logging("INFO", "console")
    logging.getLogger().addHandler(Keep())
    logging.getLogger("byom").info("served %s", "fast")

    (record,) = seen
    assert (record.threadName, record.processName, record.process) == (None, None, None)
    assert record.lineno == 0  # no caller looked up
    assert "INFO    byom: served fast" in capsys.readouterr().err
