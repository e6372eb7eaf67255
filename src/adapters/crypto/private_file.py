"""Secret files that only their owner may read: created once, atomically, mode 0600."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_private_file(path: Path, content: bytes) -> bool:
    """Create ``path`` holding ``content`` unless it exists; True when this call created it.

    The content is written to a private temporary file first and hard-linked into place, so a
    concurrent starter sees either no file or a complete one, and never two different secrets.
    """
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)
