"""Where the master keyring comes from: ``BYOM_ENCRYPTION_KEYS``, its ``_FILE`` or, in
development only, a keyring generated under ``var/`` (docs/security.md, "Keyring and rotation")."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from adapters.crypto.keyring import DEV_KEY_ID, Keyring, KeyringError, generate_key_line
from adapters.crypto.private_file import create_private_file


class KeyringSource(StrEnum):
    ENV = "env"
    FILE = "file"
    DEV_FILE = "dev-file"


@dataclass(frozen=True, slots=True)
class LoadedKeyring:
    """The keyring and where it came from. ``warning`` is set for development keyrings: log it."""

    keyring: Keyring
    source: KeyringSource
    path: Path | None = None
    generated: bool = False

    @property
    def warning(self) -> str | None:
        if self.source is not KeyringSource.DEV_FILE:
            return None
        action = "generated a new" if self.generated else "using the"
        return (
            f"{action} development master key in {self.path}; this is not for production: "
            "set BYOM_ENCRYPTION_KEYS or BYOM_ENCRYPTION_KEYS_FILE"
        )


def load_keyring(
    env_value: str | None, file_path: str | None, *, dev_file: Path | None
) -> LoadedKeyring:
    """The keyring from ``BYOM_ENCRYPTION_KEYS`` or ``BYOM_ENCRYPTION_KEYS_FILE``.

    - Setting both is refused (which one wins would be a guess), so is a set but empty value.
    - The file must not be accessible to group or others (mode & 0o077 == 0).
    - With neither, ``dev_file`` (development only) is read, or created with one new key, mode 0600.
    - With neither and no ``dev_file`` (production), ``KeyringError``: the service must not start.
    """
    if env_value is not None and file_path is not None:
        raise KeyringError(
            "both BYOM_ENCRYPTION_KEYS and BYOM_ENCRYPTION_KEYS_FILE are set; set only one"
        )
    if env_value is not None:
        if not env_value.strip():
            raise KeyringError("BYOM_ENCRYPTION_KEYS is set but empty")
        return LoadedKeyring(Keyring.parse(env_value), KeyringSource.ENV)
    if file_path is not None:
        if not file_path.strip():
            raise KeyringError("BYOM_ENCRYPTION_KEYS_FILE is set but empty")
        path = Path(file_path)
        return LoadedKeyring(Keyring.parse(_read_private_file(path)), KeyringSource.FILE, path)
    if dev_file is None:
        raise KeyringError(
            "no master keyring configured: set BYOM_ENCRYPTION_KEYS or BYOM_ENCRYPTION_KEYS_FILE"
        )
    generated = create_private_file(dev_file, _dev_keyring())
    return LoadedKeyring(
        Keyring.parse(_read_private_file(dev_file)), KeyringSource.DEV_FILE, dev_file, generated
    )


def _read_private_file(path: Path) -> str:
    # Check the mode on the descriptor we read from, so the file cannot be swapped in between;
    # O_NONBLOCK keeps a FIFO planted at the path from hanging startup.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise KeyringError(f"keyring file {path} does not exist") from None
    except OSError as exc:
        raise KeyringError(f"keyring file {path} cannot be opened: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyringError(f"keyring file {path} is not a regular file")
        if info.st_mode & 0o077:
            raise KeyringError(
                f"keyring file {path} is accessible to group or others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {path}"
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read()
    finally:
        os.close(fd)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyringError(f"keyring file {path} is not UTF-8 text") from None


def _dev_keyring() -> bytes:
    return (
        "# BYOM development master keyring (generated). Not for production.\n"
        f"{generate_key_line(DEV_KEY_ID)}\n"
    ).encode("ascii")
