"""What the user sees while a build runs: reports running, done, skipped and failed, with times.

- On a terminal: a live display (rich) with one line per running report (its stage and elapsed time)
  under an overall progress bar; finished and skipped reports scroll above it.
- Elsewhere (CI, a pipe, a test): plain lines, one per event, nothing redrawn.

Every event also goes to the run log (``outputs/build.log``). The reporters are thread-safe: worker
threads report stage changes while the main thread reports results.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

log = logging.getLogger("dolisa_reports.pipeline")

STAGE_VI = {
    "queued": "chờ",
    "notebook": "chạy notebook",
    "html": "xuất HTML",
    "pdf": "xuất PDF",
    "validate": "kiểm tra số liệu",
}
SKIPPED_SHOWN = 12  # more skipped reports than this are summed up per year


class Reporter:
    """Plain-text reporter (also the base: the rich one only changes how things are drawn)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()
        self.running: dict[str, tuple[str, str, float]] = {}  # key -> (label, stage, started)
        self.total = self.finished = 0
        self.skipped: list[str] = []

    # -- drawing -----------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        with self._lock:
            print(text, file=self.stream, flush=True)

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    # -- events ------------------------------------------------------------------------------
    def skip(self, label: str, reason: str) -> None:
        """A report that is up to date (listed by :meth:`skipped_summary` at the end)."""
        log.info("skip %s: %s", label, reason)
        with self._lock:
            self.skipped.append(label)

    def add(self, label: str, workers: Callable[[], str]) -> None:
        """One more report to build (the build decides report by report, as their data is validated);
        ``workers`` names the pool, said once before the first report."""
        with self._lock:
            self.total += 1
            first = self.total == 1
        if first:
            self._begin(workers())
        else:
            self._grow()

    def _begin(self, workers: str) -> None:
        self.say(f"Lập báo cáo ({workers} song song)…")

    def _grow(self) -> None:
        pass

    def skipped_summary(self) -> None:
        skipped = self.skipped
        if len(skipped) <= SKIPPED_SHOWN:
            for label in skipped:
                self.say(f"  = {label}  không đổi, bỏ qua")
        else:
            by_year: dict[str, int] = {}
            for label in skipped:
                year = label.split(" ", 1)[0]
                by_year[year] = by_year.get(year, 0) + 1
            parts = ", ".join(f"{y}: {n}" for y, n in by_year.items())
            self.say(f"  = {len(skipped)} báo cáo không đổi, bỏ qua ({parts})")
        if not self.total:
            self.say("Mọi báo cáo đã cập nhật, không có gì phải lập lại.")

    def stale(self, label: str, reason: str) -> None:
        log.info("rebuild %s: %s", label, reason)

    def stage(self, key: str, label: str, stage: str) -> None:
        with self._lock:
            new = key not in self.running
            started = self.running.get(key, (label, stage, time.perf_counter()))[2]
            self.running[key] = (label, stage, started)
        log.debug("%s: %s", label, stage)
        if new:
            self._started(label)

    def _started(self, label: str) -> None:
        self.say(f"  ▶ {label}")

    def done(self, key: str, label: str, ok: bool, seconds: float, error: str = "", warnings=()) -> None:
        with self._lock:
            self.running.pop(key, None)
            self.finished += 1
        mark = "✓" if ok else "✗"
        line = f"  {mark} {label}  {seconds:.1f} s" + ("" if ok else f"  — {error}")
        log.info("%s %s %.2f s%s", "done" if ok else "FAILED", label, seconds, "" if ok else f": {error}")
        self._emit_result(line, ok)
        for w in warnings:
            log.warning("%s: %s", label, w)
            self._emit_result(f"    [CẢNH BÁO] {w}", True)

    def _emit_result(self, line: str, ok: bool) -> None:
        self.say(line)


class RichReporter(Reporter):
    """Live display on a terminal: a progress bar and the reports running right now."""

    def __init__(self, stream: TextIO | None = None):
        super().__init__(stream)
        self.console = None  # rich is imported only when there is something to build
        self._live = None
        self._progress = None
        self._bar = None

    def say(self, text: str = "") -> None:
        if self.console is None:
            super().say(text)
        else:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def _started(self, label: str) -> None:
        pass  # shown in the live table instead

    def _emit_result(self, line: str, ok: bool) -> None:
        if self.console is None:
            return super()._emit_result(line, ok)
        self.console.print(
            line, markup=False, highlight=False, soft_wrap=True, style=None if ok else "bold red"
        )
        if self._progress is not None and self._bar is not None and not line.startswith("    "):
            self._progress.advance(self._bar)

    def _begin(self, workers: str) -> None:
        super()._begin(workers)
        from rich.console import Console, Group
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=self.stream, highlight=False)
        self._progress = Progress(
            TextColumn("[bold]Đang lập"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._bar = self._progress.add_task("build", total=self.total)
        self._live = Live(
            Group(self._progress, _Running(self)),
            console=self.console,
            refresh_per_second=8,
            transient=True,
        )
        self._live.start()

    def _grow(self) -> None:
        if self._progress is not None and self._bar is not None:
            self._progress.update(self._bar, total=self.total)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


class _Running:
    """The running reports, redrawn by rich on every refresh."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter

    def __rich__(self):
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        now = time.perf_counter()
        with self.reporter._lock:
            rows = sorted(self.reporter.running.values(), key=lambda r: r[2])
        for label, stage, started in rows:
            table.add_row(
                Text("  ⋯ " + label),
                Text(STAGE_VI.get(stage, stage), style="cyan"),
                Text(f"{now - started:4.1f} s"),
            )
        return table


def make_reporter(stream: TextIO | None = None) -> Reporter:
    stream = stream or sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty:
        try:
            return RichReporter(stream)
        except ImportError:  # rich missing: plain lines still work
            pass
    return Reporter(stream)
