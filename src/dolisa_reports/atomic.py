"""Write-then-rename, so a failed or interrupted write never leaves a half file or loses the last good one.

The data goes to a hidden temporary file in the same folder, is flushed to disk, and only then replaces
the target in one step (``os.replace``). The new file keeps the permissions of the one it replaces, or
gets the usual ones (0666 less the umask) when it is new, so reports stay readable by colleagues.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from pathlib import Path

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    fd = os.open(tmp, _FLAGS, 0o666)  # the kernel applies the umask, as for any new file
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):  # a new file keeps the umask's permissions
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
