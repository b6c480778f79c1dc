"""The run log, ``outputs/build.log``: what the terminal is spared.

Appended to by every build (one ``==== build … ====`` header per run; the file is moved to
``build.log.1`` at the start of a run once it passes 5 MB). It receives, through :mod:`logging`:

- the engine's own record: each task's decision (rebuilt or skipped, and why), stage timings, retries;
- papermill's and nbconvert's log lines (the "Alternative text is missing" warning among them);
- WeasyPrint's CSS messages (build/pdf.py routes them to ``dolisa_reports.pipeline`` at DEBUG);
- Python warnings raised in this process (``logging.captureWarnings``);
- what the Jupyter kernels print on their own stdout/stderr (collected per report by build/execute.py).

While the log is open, the root logger has no handler writing to the terminal, so a library warning
can only reach the file.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

ROTATE_BYTES = 5 * 1024 * 1024
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

log = logging.getLogger("dolisa_reports.pipeline")


class _QuietFileHandler(logging.FileHandler):
    """A run log that cannot be written (full disk, read-only folder) is given up quietly: the user gets
    one Vietnamese message from the build, not a "--- Logging error ---" dump per record."""

    failed = False

    def handleError(self, record) -> None:  # noqa: N802 - logging's name
        self.failed = True


class RunLog:
    def __init__(self, path: Path):
        self.path = path
        self._handler: logging.Handler | None = None
        self._saved: dict = {}

    def open(self) -> RunLog:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.path.stat().st_size > ROTATE_BYTES:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        except OSError:
            pass
        handler = _QuietFileHandler(self.path, mode="a", encoding="utf-8", delay=False)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.setLevel(logging.DEBUG)
        root = logging.getLogger()
        ours = logging.getLogger("dolisa_reports")
        self._saved = {
            "root_level": root.level,
            "ours_level": ours.level,
            "terminal": [h for h in root.handlers if _writes_to_terminal(h)],
        }
        for h in self._saved["terminal"]:
            root.removeHandler(h)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        ours.setLevel(logging.DEBUG)
        logging.captureWarnings(True)
        self._handler = handler
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.info(
            "==== build %s: %s (pid %d) ====", stamp, " ".join(sys.argv[1:]) or "(no arguments)", os.getpid()
        )
        return self

    def close(self) -> None:
        if self._handler is None:
            return
        root = logging.getLogger()
        logging.captureWarnings(False)
        root.removeHandler(self._handler)
        self._handler.close()
        self._handler = None
        root.setLevel(self._saved["root_level"])
        logging.getLogger("dolisa_reports").setLevel(self._saved["ours_level"])
        for h in self._saved["terminal"]:
            root.addHandler(h)

    def __enter__(self) -> RunLog:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


def _writes_to_terminal(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return type(handler) is logging.StreamHandler and stream in (
        sys.stderr,
        sys.stdout,
        sys.__stderr__,
        sys.__stdout__,
    )


def worker_logging(path: str) -> None:
    """Initializer for a worker process of a process pool: its log records go to the same file."""
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("dolisa_reports").setLevel(logging.DEBUG)
    logging.captureWarnings(True)
