"""Where the keyring comes from: environment, a private file, or a generated development file."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.crypto import (
    Keyring,
    KeyringError,
    KeyringSource,
    LoadedKeyring,
    generate_key_line,
    load_keyring,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_keyring_file(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The most permissive umask, so a 0600 result proves the code sets the mode itself."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_environment_value_is_parsed() -> None:
    line = generate_key_line("v2") + "," + generate_key_line("v1")

    loaded = load_keyring(line, None, dev_file=None)

    assert loaded.source is KeyringSource.ENV
    assert loaded.keyring.key_ids() == ("v2", "v1")
    assert loaded.warning is None
    assert not loaded.generated


def test_the_environment_wins_over_the_development_file(tmp_path: Path) -> None:
    dev_file = tmp_path / "dev.keys"

    loaded = load_keyring(generate_key_line("prod"), None, dev_file=dev_file)

    assert loaded.keyring.key_ids() == ("prod",)
    assert not dev_file.exists()


def test_a_set_but_empty_environment_value_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="BYOM_ENCRYPTION_KEYS is set but empty"):
        load_keyring("  ", None, dev_file=tmp_path / "dev.keys")


def test_setting_both_the_value_and_the_file_is_refused(tmp_path: Path) -> None:
    path = write_keyring_file(tmp_path / "keys", generate_key_line("f"), 0o600)

    with pytest.raises(KeyringError, match="set only one"):
        load_keyring(generate_key_line("e"), str(path), dev_file=None)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_private_keyring_file_is_accepted(tmp_path: Path, mode: int) -> None:
    text = f"# operator keys\n{generate_key_line('v2')}\n{generate_key_line('v1')}\n"
    path = write_keyring_file(tmp_path / "keys", text, mode)

    loaded = load_keyring(None, str(path), dev_file=None)

    assert loaded.source is KeyringSource.FILE
    assert loaded.path == path
    assert loaded.keyring.key_ids() == ("v2", "v1")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o666])
def test_a_keyring_file_readable_by_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = write_keyring_file(tmp_path / "keys", generate_key_line("v1"), mode)

    with pytest.raises(KeyringError, match=r"accessible to group or others.*chmod 600") as caught:
        load_keyring(None, str(path), dev_file=None)

    assert f"{mode:04o}" in str(caught.value)


def test_a_missing_keyring_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="does not exist"):
        load_keyring(None, str(tmp_path / "nowhere"), dev_file=None)


def test_a_directory_is_not_a_keyring_file(tmp_path: Path) -> None:
    directory = tmp_path / "keys.d"
    directory.mkdir(mode=0o700)

    with pytest.raises(KeyringError, match="not a regular file"):
        load_keyring(None, str(directory), dev_file=None)


def test_a_malformed_keyring_file_is_refused(tmp_path: Path) -> None:
    path = write_keyring_file(tmp_path / "keys", "v1:c2hvcnQta2V5\n", 0o600)

    with pytest.raises(KeyringError, match="32 bytes"):
        load_keyring(None, str(path), dev_file=None)


def test_production_without_a_keyring_refuses_to_start() -> None:
    with pytest.raises(KeyringError, match="no master keyring configured"):
        load_keyring(None, None, dev_file=None)


def test_development_generates_a_private_key_file_and_says_where(
    tmp_path: Path, umask_zero: None
) -> None:
    dev_file = tmp_path / "var" / "nested" / "byom.keys"

    loaded = load_keyring(None, None, dev_file=dev_file)

    assert loaded.generated
    assert loaded.source is KeyringSource.DEV_FILE
    assert mode_of(dev_file) == 0o600
    assert len(loaded.keyring) == 1
    assert len(loaded.keyring.primary.material) == 32
    assert loaded.warning is not None
    assert str(dev_file) in loaded.warning
    assert "not for production" in loaded.warning
    assert sorted(p.name for p in dev_file.parent.iterdir()) == ["byom.keys"]


def test_the_development_key_file_is_reused_on_the_next_start(tmp_path: Path) -> None:
    dev_file = tmp_path / "byom.keys"

    first = load_keyring(None, None, dev_file=dev_file)
    second = load_keyring(None, None, dev_file=dev_file)

    assert first.generated
    assert not second.generated
    assert second.keyring.primary.key_id == first.keyring.primary.key_id
    assert second.keyring.primary.material == first.keyring.primary.material
    assert second.warning is not None
    assert str(dev_file) in second.warning


def test_a_development_key_file_opened_up_to_others_is_refused(tmp_path: Path) -> None:
    dev_file = tmp_path / "byom.keys"
    load_keyring(None, None, dev_file=dev_file)
    dev_file.chmod(0o644)

    with pytest.raises(KeyringError, match="accessible to group or others"):
        load_keyring(None, None, dev_file=dev_file)


def test_concurrent_first_starts_agree_on_one_development_key(tmp_path: Path) -> None:
    dev_file = tmp_path / "byom.keys"
    barrier = threading.Barrier(8)
    results: list[LoadedKeyring] = []

    def start() -> None:
        barrier.wait()
        results.append(load_keyring(None, None, dev_file=dev_file))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert len({r.keyring.primary.material for r in results}) == 1
    assert sum(r.generated for r in results) == 1
    assert (
        Keyring.parse(dev_file.read_text()).primary.material == results[0].keyring.primary.material
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["byom.keys"]
