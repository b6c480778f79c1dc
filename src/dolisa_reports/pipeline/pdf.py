"""HTML report → A4 PDF in the administrative layout, from the very HTML the build just wrote.

Two engines, same input (the nbconvert output) and the same print CSS (``@page`` and ``@media print``
rules in templates/nbconvert/dolisa/report.css):

- ``weasyprint`` (default): renders in-process, ~0.4 s per report, installs from PyPI.
- ``chromium``: headless Chromium, Google Chrome or Microsoft Edge (``--print-to-pdf``), when one is
  installed. Chosen with ``--pdf-engine chromium``; also used automatically when WeasyPrint cannot load
  (its Pango libraries missing, e.g. on a bare Windows machine) and no engine was asked for.

The fonts come from the package (fonts/, Liberation Serif, SIL OFL 1.1), not from the machine: an extra
stylesheet declares them with ``@font-face`` for the PDF only, so the HTML stays small and every PDF
embeds the same Vietnamese-complete serif. The PDF is written atomically: a failed render keeps the
last good PDF, and the error names the report.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from ..atomic import atomic_write_bytes

log = logging.getLogger("dolisa_reports.pipeline")

ENGINES = ("weasyprint", "chromium")
FONTS = Path(__file__).resolve().parents[1] / "presentation" / "fonts"
FONT_FAMILY = "DOLISA Serif"
FONT_FILES = {  # (weight, style) → file
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}
BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "msedge",
    "microsoft-edge",
    "microsoft-edge-stable",
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--log-level=3",
    "--no-pdf-header-footer",
)
CHROMIUM_TIMEOUT = 180  # seconds per report

_weasy_lock = threading.Lock()  # WeasyPrint (Pango, fontconfig) is not documented as thread-safe
_logging_ready = False


class PdfError(RuntimeError):  # its message is for people (see problems.USER_ERROR_NAMES)
    """A PDF could not be made; the message names the report and says why (Vietnamese)."""


# -- fonts -------------------------------------------------------------------------------------


def font_paths() -> list[Path]:
    return [FONTS / name for name in FONT_FILES.values()]


def font_face_css(inline: bool = False) -> str:
    """``@font-face`` rules for the bundled fonts and the rules that use them (PDF only).

    ``inline`` puts the font files in ``data:`` URLs (for a browser reading a temporary page);
    otherwise they are ``file://`` URLs into the installed package (WeasyPrint).
    """
    rules = []
    for (weight, style), name in FONT_FILES.items():
        path = FONTS / name
        if inline:
            url = "data:font/ttf;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        else:
            url = path.as_uri()
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{url}") format("truetype"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    # !important: WeasyPrint applies extra stylesheets with the "user" origin, below the report's CSS.
    stack = f'"{FONT_FAMILY}", serif !important'
    rules.append(f"html {{ font-family: {stack}; }}")
    rules.append(
        f"@page {{ @top-center {{ font-family: {stack}; }} @bottom-center {{ font-family: {stack}; }} }}"
    )
    return "\n".join(rules) + "\n"


# -- engines -----------------------------------------------------------------------------------


def _route_weasyprint_logs() -> None:
    """WeasyPrint's CSS warnings (unknown properties of the screen style…) go to our log at DEBUG."""
    global _logging_ready
    if _logging_ready:
        return

    class _ToDebug(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            with contextlib.suppress(Exception):  # a log message must never break a report
                log.debug("weasyprint: %s", record.getMessage())

    wl = logging.getLogger("weasyprint")
    wl.addHandler(_ToDebug())
    wl.propagate = False
    progress = logging.getLogger("weasyprint.progress")  # "Step 1 - Fetching…": not worth keeping
    progress.addHandler(logging.NullHandler())
    progress.propagate = False
    _logging_ready = True


def weasyprint_problem() -> str | None:
    """None when WeasyPrint can render here, else why not (missing package or Pango libraries)."""
    _route_weasyprint_logs()  # importing WeasyPrint already parses its own stylesheets (and logs)
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "chưa cài WeasyPrint (pip install weasyprint)"
    except OSError as exc:  # the Pango/GObject shared libraries are missing
        return f"WeasyPrint không nạp được thư viện Pango: {exc}"
    return None


@contextlib.contextmanager
def _source_date(epoch: int | None):
    """``SOURCE_DATE_EPOCH`` = the build time while a PDF is made. Without HarfBuzz-Subset (the Debian
    package libharfbuzz-subset0, absent on a fresh machine) WeasyPrint subsets fonts with fontTools, which
    stamps every embedded font's ``head.modified`` with the clock unless this variable is set."""
    if epoch is None:
        yield
        return
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _weasyprint_pdf(html: str, base_url: Path | None, epoch: int | None = None) -> bytes:
    _route_weasyprint_logs()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    with _weasy_lock, _source_date(epoch):
        fonts = FontConfiguration()
        doc = HTML(string=html, base_url=str(base_url) if base_url else None)
        return doc.write_pdf(stylesheets=[CSS(string=font_face_css(), font_config=fonts)], font_config=fonts)


def _windows_candidates() -> list[Path]:
    found = []
    for var in ("PROGRAMFILES(X86)", "PROGRAMFILES", "LOCALAPPDATA"):
        base = os.environ.get(var)
        if not base:
            continue
        found += [
            Path(base) / "Microsoft" / "Edge" / "Application" / "msedge.exe",
            Path(base) / "Google" / "Chrome" / "Application" / "chrome.exe",
            Path(base) / "Chromium" / "Application" / "chrome.exe",
        ]
    return found


def find_browser() -> str | None:
    """A Chromium-family browser: $DOLISA_CHROMIUM, then PATH, then the usual install folders."""
    explicit = os.environ.get("DOLISA_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    candidates = _windows_candidates() if sys.platform == "win32" else []
    if sys.platform == "darwin":
        candidates += [
            Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
            Path("/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"),
            Path("/Applications/Chromium.app/Contents/MacOS/Chromium"),
        ]
    return next((str(p) for p in candidates if p.is_file()), None)


def _with_head(html: str, extra: str) -> str:
    """``extra`` placed at the start of <head> (before the report's own CSS), or at the top."""
    lower = html[:4096].lower()
    at = lower.find("<head>")
    if at < 0:
        return extra + html
    at += len("<head>")
    return html[:at] + "\n" + extra + html[at:]


def _chromium_pdf(html: str, base_url: Path | None) -> bytes:
    exe = find_browser()
    if exe is None:
        raise PdfError(
            "không tìm thấy Chromium, Chrome hoặc Edge (cài trình duyệt, hoặc đặt biến DOLISA_CHROMIUM "
            "là đường dẫn tới tệp chạy; hoặc dùng --pdf-engine weasyprint)"
        )
    extra = ""
    if base_url is not None:
        extra += f'<base href="{Path(base_url).resolve().as_uri()}/">\n'
    # The font rules go after the report's CSS so that they win: append a second <style> at </head>.
    page_html = _with_head(html, extra)
    style = f"<style>\n{font_face_css(inline=True)}</style>\n"
    end = page_html.lower().find("</head>")
    page_html = page_html[:end] + style + page_html[end:] if end >= 0 else style + page_html
    with tempfile.TemporaryDirectory(prefix="dolisa-pdf-", ignore_cleanup_errors=True) as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(page_html, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        code, stderr = _run_browser(cmd, Path(exe).name)
        if not out.is_file() or out.stat().st_size == 0:
            tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfError(f"{Path(exe).name} không tạo được PDF (mã {code}): {' | '.join(tail)}")
        return out.read_bytes()


def _run_browser(cmd: list[str], name: str) -> tuple[int, bytes]:
    """Run the browser in its own process group, so that a hung print is stopped with all its helpers."""
    posix = os.name == "posix"
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=posix,
    )
    try:
        _, stderr = proc.communicate(timeout=CHROMIUM_TIMEOUT)
    except subprocess.TimeoutExpired:
        if posix:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.kill()
        proc.communicate()
        raise PdfError(f"{name} không in xong sau {CHROMIUM_TIMEOUT} giây") from None
    return proc.returncode, stderr or b""


def choose_engine(engine: str | None) -> str:
    """The engine to use: the one asked for, else WeasyPrint, else (WeasyPrint unusable) a browser."""
    if engine is not None:
        if engine not in ENGINES:
            raise PdfError(f"công cụ PDF không hỗ trợ: {engine} (chọn {', '.join(ENGINES)})")
        if engine == "weasyprint" and (problem := weasyprint_problem()) is not None:
            raise PdfError(
                f"{problem}; có thể dùng --pdf-engine chromium nếu máy có Chromium, Chrome hoặc Edge"
            )
        return engine
    problem = weasyprint_problem()
    if problem is None:
        return "weasyprint"
    if find_browser() is not None:
        log.info("%s; dùng trình duyệt để in PDF", problem)
        return "chromium"
    raise PdfError(f"{problem}; cũng không tìm thấy Chromium, Chrome hoặc Edge")


def _report_name(pdf_path: Path) -> str:
    return "/".join(pdf_path.parts[-2:])


def html_to_pdf(
    html: str,
    pdf_path: str | Path,
    base_url: str | Path | None = None,
    engine: str | None = None,
    epoch: int | None = None,
) -> str:
    """Render ``html`` to ``pdf_path`` (atomically) and return the engine used.

    ``epoch`` is the build time (seconds): every time stamp inside the PDF is that, never the clock.

    Raises PdfError naming the report (``2021/labour.pdf``) when it cannot; an existing PDF is then
    left as it was.
    """
    pdf_path = Path(pdf_path)
    base = Path(base_url) if base_url is not None else None
    name = _report_name(pdf_path)
    try:
        used = choose_engine(engine)
        data = _weasyprint_pdf(html, base, epoch) if used == "weasyprint" else _chromium_pdf(html, base)
        if not data.startswith(b"%PDF"):
            raise PdfError("kết quả không phải tệp PDF")
    except Exception as exc:
        from ..problems import for_people

        log.warning("PDF %s failed", name, exc_info=True)
        reason = str(exc) if isinstance(exc, PdfError) else for_people(exc)
        raise PdfError(f"không tạo được {name}: {reason}") from exc
    atomic_write_bytes(pdf_path, data)
    return used


def render_file(
    html_path: str, pdf_path: str, base_url: str, engine: str | None = None, epoch: int | None = None
) -> tuple[str, str]:
    """:func:`html_to_pdf` of a written HTML file, as the warm kernel that ran the report calls it
    (kernels.py): ``('', '')`` when the PDF was written, else the message for people and the technical
    detail for the run log (the kernel's own log goes nowhere)."""
    import traceback

    try:
        html_to_pdf(Path(html_path).read_text(encoding="utf-8"), pdf_path, base_url, engine, epoch)
    except Exception as exc:  # noqa: BLE001 - reported by the build like any PDF failure
        from ..problems import for_people

        detail = "".join(traceback.format_exception(exc))
        if isinstance(exc, PdfError):
            return str(exc), detail
        return f"không tạo được {_report_name(Path(pdf_path))}: {for_people(exc)}", detail
    return "", ""
