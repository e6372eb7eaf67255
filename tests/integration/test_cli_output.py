"""What ``byom`` prints: plain help for every option, one clear line for each mistake, the
development-key warning only where keys are sealed, no Alembic chatter unless asked, progress."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.persistence.sqlalchemy.migrate import head_revision
from entrypoints.cli import build_parser, main
from tests.support.builders import JWT_SECRET

DEV_KEY_WARNING = "development master key"


@pytest.fixture
def dev_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Development with no keyring configured: the one generated under var/ is used."""
    for name in ("BYOM_ENCRYPTION_KEYS", "BYOM_ENCRYPTION_KEYS_FILE", "BYOM_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BYOM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BYOM_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("BYOM_LOG_LEVEL", "INFO")
    monkeypatch.delenv("BYOM_LOG_FORMAT", raising=False)
    return tmp_path


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_option_positional_and_command_has_help() -> None:
    missing = []
    for parser in _parsers(build_parser()):
        for action in parser._actions:
            if not action.help:
                missing.append(f"{parser.prog}: {action.dest}")
            if isinstance(action, argparse._SubParsersAction):
                missing += [
                    f"{parser.prog} {a.dest}" for a in action._choices_actions if not a.help
                ]
    assert missing == []


def test_help_is_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "``" not in text, "no reStructuredText markup"
    assert "bring your own model" in text
    assert "serve" in text
    assert "users" in text


def test_help_loads_neither_the_web_app_nor_the_database_layer() -> None:
    probe = (
        "import sys\n"
        "from entrypoints.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('litestar', 'sqlalchemy', 'alembic', 'uvicorn', 'advanced_alchemy', 'httpx')\n"
        "print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr.strip() == ""


def test_users_create_without_a_terminal_says_to_use_password_stdin(
    dev_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a pipe or /dev/null: no terminal
    assert main(["users", "create", "--email", "ops@example.com"]) == 2
    err = capsys.readouterr().err
    assert "--password-stdin" in err
    assert "Traceback" not in err
    assert "EOFError" not in err


def test_the_development_key_warning_comes_only_from_commands_that_seal_keys(
    dev_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    for quiet in (["db", "current"], ["keys", "status"]):
        capsys.readouterr()
        assert main(quiet) == 0
        assert DEV_KEY_WARNING not in capsys.readouterr().err, quiet
    with pytest.raises(SystemExit):
        main(["keys", "--help"])
    assert DEV_KEY_WARNING not in capsys.readouterr().err

    monkeypatch.setattr("sys.stdin", io.StringIO("an operator password\n"))
    assert main(["users", "create", "--email", "ops@example.com", "--password-stdin"]) == 0
    assert capsys.readouterr().err.count(DEV_KEY_WARNING) == 1


def test_db_current_prints_the_revision_and_nothing_else(
    dev_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["db", "current"]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == (f"{head_revision()}\n", "")

    assert main(["-v", "db", "current"]) == 0
    assert "alembic" in capsys.readouterr().err, "-v shows Alembic's own lines"


def test_db_upgrade_prints_each_migration_then_where_the_database_is(
    dev_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade", "0002"]) == 0
    assert main(["db", "upgrade"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("base -> 0001  Initial schema")
    assert lines[1].startswith("0001 -> 0002  ")
    assert lines[2].startswith("database at 0002 (2 migrations applied in ")
    assert lines[3].startswith("0002 -> 0003  ")
    assert lines[-1].startswith("database at head (")


def test_in_json_format_alembic_lines_are_json_too(
    dev_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BYOM_LOG_FORMAT", "json")
    assert main(["-v", "db", "upgrade", "0001"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert any(r["logger"].startswith("alembic") for r in records)
