"""Secret files are created once, whole, and readable only by their owner."""

from __future__ import annotations

from pathlib import Path

from adapters.crypto.private_file import create_private_file


def test_creates_the_file_private_with_its_parents(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret"
    assert create_private_file(path, b"first\n") is True
    assert path.read_bytes() == b"first\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_never_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    create_private_file(path, b"first\n")
    assert create_private_file(path, b"second\n") is False
    assert path.read_bytes() == b"first\n"


def test_leaves_no_temporary_file_behind(tmp_path: Path) -> None:
    create_private_file(tmp_path / "secret", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]
