"""Private folders for kernel sockets (``<temp>/dolisa-k-*``): made per kernel, reclaimed after a killed build.

Each folder holds a file ``owner`` with the id of the process that made it. A build that is killed
(``kill -9``, a closed laptop lid, a power cut) cannot remove its folders; the next build removes every
such folder of this user whose owner process is gone. Kept free of heavy imports: the engine calls
:func:`reclaim` on every run, up to date or not.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = "dolisa-k-"
OWNER = "owner"
GRACE_SECONDS = 60  # a folder without an owner file younger than this may be being made right now


def make() -> Path:
    path = Path(tempfile.mkdtemp(prefix=PREFIX))
    (path / OWNER).write_text(str(os.getpid()), encoding="ascii")
    return path


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name != "posix":
        return True  # no cheap check on Windows: leave it (the folder is empty there: TCP transport)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reclaim(temp_dir: str | Path | None = None) -> int:
    """Remove the socket folders of processes that no longer run; return how many."""
    base = Path(temp_dir or tempfile.gettempdir())
    removed = 0
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        candidates = list(base.glob(PREFIX + "*"))
    except OSError:
        return 0
    for folder in candidates:
        try:
            st = folder.lstat()
            if not folder.is_dir() or folder.is_symlink() or (uid is not None and st.st_uid != uid):
                continue
            try:
                pid = int((folder / OWNER).read_text(encoding="ascii").strip() or 0)
            except (OSError, ValueError):
                pid = 0
                if time.time() - st.st_mtime < GRACE_SECONDS:
                    continue
            if pid and _alive(pid):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += not folder.exists()
    return removed
