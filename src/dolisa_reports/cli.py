"""Command line: ``python run_all.py [build options]``, ``validate``, ``template``."""

from __future__ import annotations

import argparse
import contextlib
import sys

from . import DOMAINS
from .paths import Layout
from .periods import YEAR
from .problems import Severity, UserError, errors, warnings


def _choices(value: str, allowed, what: str) -> list[str]:
    """``a,b`` → ``["a", "b"]``, each checked against ``allowed`` (a message naming what is allowed)."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad:
        raise argparse.ArgumentTypeError(
            f"{what} không hợp lệ: {', '.join(bad)} (chọn trong: {', '.join(allowed)})"
        )
    return items


def _domains(value: str) -> list[str]:
    return _choices(value, DOMAINS, "lĩnh vực")


def _years(value: str) -> list[int]:
    try:
        return [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"năm không hợp lệ: {value}") from None


def _period(value: str) -> str:
    from .periods import PeriodError, get

    try:
        return get(value).code
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


PERIOD_HELP = "kỳ báo cáo: nam (cả năm, mặc định), 6t (6 tháng đầu năm) hoặc 9t (9 tháng đầu năm)"


def _layout(args) -> Layout:
    return Layout.default(period=getattr(args, "period", None))


def _console_utf8() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(encoding="utf-8")  # Windows consoles default to a code page


def cmd_validate(args) -> int:
    from .inputs.validate import validate_year
    from .periods import get as get_period
    from .pipeline.guard import GuardError, years_to_build

    layout = _layout(args)
    try:
        years, notes = years_to_build(layout, args.year)
    except GuardError as exc:
        print(str(exc))
        return 1
    for line in notes:
        print(line)
    status = 0
    for year in years:
        try:
            result = validate_year(year, layout, domains=args.domain or DOMAINS)
        except UserError as exc:
            print(f"[LỖI] {exc}")
            status = 1
            continue
        errs, warns = errors(result.problems), warnings(result.problems)
        print(f"{get_period(layout.period).when_cap(year)}: {len(errs)} lỗi, {len(warns)} cảnh báo")
        for p in sorted(
            result.problems, key=lambda p: (p.severity != Severity.ERROR, p.file, _cell_key(p.cell))
        ):
            print("  " + p.line())
        rel = layout.processed_year(year).relative_to(layout.root).as_posix()
        print(f"  Bảng đã kiểm tra: {rel}/")
        if errs:
            status = 1
    from .pipeline.index_page import refresh_index

    refresh_index(layout)  # the index's "submissions" show the new validation
    return status


def _cell_key(cell: str | None):
    if not cell:
        return (0, "")
    letters = cell.rstrip("0123456789")
    return (int(cell[len(letters) :] or 0), letters)


def cmd_template(args) -> int:
    from .inputs.template import write_templates

    layout = _layout(args)
    status = 0
    for year in args.year:
        if not layout.params_file(year).is_file():
            print(
                f"[LỖI] chưa có tham số năm {year} (params/{year}.yaml). Tạo năm mới bằng: "
                f"python run_all.py new-year {year}"
            )
            status = 1
            continue
        try:
            written = write_templates(year, layout, domains=args.domain or DOMAINS)
        except UserError as exc:
            print(f"[LỖI] {exc}")
            status = 1
            continue
        for path, did in written:
            rel = path.relative_to(layout.root).as_posix()
            print(f"đã tạo {rel}" if did else f"đã có {rel}: giữ nguyên, không ghi đè")
    return status


def cmd_new_year(args) -> int:
    from .inputs.newyear import make_new_year
    from .pipeline.index_page import refresh_index

    layout = Layout.default()
    for line in make_new_year(layout, args.year):
        print(line)
    index = refresh_index(layout)
    if index is not None:
        print(f"Danh mục: {layout.display(index)}")
    return 0


def cmd_status(args) -> int:
    """Who has sent what, for each year asked (default: every year with params)."""
    import datetime as dt

    from .pipeline.status import StatusStore
    from .pipeline.submissions import status_lines

    layout = _layout(args)
    years = args.year or sorted(int(p.stem) for p in layout.params_dir.glob("*.yaml") if p.stem.isdigit())
    store = StatusStore(layout.outputs / "status.json")
    today = dt.date.today()
    for year in years:
        for line in status_lines(layout, year, today, store.items):
            print(line)
    return 0


def _reports(value: str) -> list[str]:
    from .inputs.issues import REPORTS

    return _choices(value, REPORTS, "báo cáo")


def cmd_issue(args) -> int:
    """Record the issue of reports, then build them once with their number: they are frozen from then on."""
    from .inputs import issues
    from .inputs.params import load_params

    layout = _layout(args)
    year = args.year
    load_params(year, layout)  # a year without params cannot have issued reports
    reports = args.domain or list(issues.REPORTS)
    if args.number and len(reports) > 1:
        print("[LỖI] mỗi báo cáo một số: dùng --number với đúng một --domain (hoặc bỏ --number).")
        return 2
    date = issues.parse_date(args.date)
    for line in issues.record(layout, year, reports, args.number or "", date):
        print(line)
    from .pipeline.engine import BuildOptions, run_build

    every = issues.SUMMARY in reports or set(DOMAINS) <= set(reports)
    domains = None if every else [r for r in reports if r != issues.SUMMARY]
    print("Lập các báo cáo với số và ngày ban hành, rồi cố định chúng…")
    options = BuildOptions(years=[year], domains=domains, formats=args.format, period=layout.period)
    return run_build(options)


def cmd_unissue(args) -> int:
    from .inputs import issues

    layout = _layout(args)
    reports = args.domain or list(issues.REPORTS)
    for line in issues.remove(layout, args.year, reports):
        print(line)
    return 0


def cmd_build(args) -> int:
    from .pipeline.engine import BuildOptions, run_build

    if args.scheduler and args.executor == "local":
        print("[LỖI] --scheduler chỉ dùng với --executor dask", flush=True)
        return 2
    if args.scheduler:
        args.executor = "dask"

    options = BuildOptions(
        years=args.year,
        domains=args.domain,
        formats=args.format,
        jobs=args.jobs,
        force=args.force,
        outputs=args.outputs,
        pdf_engine=args.pdf_engine,
        executor="dask" if args.executor == "dask" else "thread",
        scheduler=args.scheduler,
        per_area=args.per_area,
        period=args.period,
        fresh_kernels=args.fresh_kernels,
    )
    return run_build(options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_all.py",
        description="Lập các báo cáo chuyên đề từ số liệu trong data/raw/ (mặc định: mọi năm có số liệu).",
    )
    parser.add_argument(
        "--year", type=_years, action="extend", help="năm, ví dụ 2021 hoặc 2020,2021 (dùng được nhiều lần)"
    )
    parser.add_argument(
        "--domain",
        type=_domains,
        action="extend",
        help=f"lĩnh vực, trong: {', '.join(DOMAINS)} (dùng được nhiều lần)",
    )
    parser.add_argument(
        "--format",
        default="html,pdf,docx",
        help="định dạng, cách nhau bởi dấu phẩy: html, pdf, docx (mặc định: html,pdf,docx)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="số tiến trình chạy song song (mặc định: số lõi CPU)"
    )
    parser.add_argument(
        "--force", action="store_true", help="lập lại mọi báo cáo kể cả khi không có gì thay đổi"
    )
    parser.add_argument("--outputs", default=None, help="thư mục kết quả (mặc định: outputs/)")
    parser.add_argument(
        "--pdf-engine",
        choices=("weasyprint", "chromium"),
        default=None,
        help="công cụ in PDF: weasyprint (mặc định) hoặc chromium (Chromium, Chrome hay Edge đã cài trên máy)",
    )
    parser.add_argument("--period", type=_period, default=YEAR, help=PERIOD_HELP)
    parser.add_argument(
        "--per-area",
        action="store_true",
        help="lập thêm một báo cáo cho mỗi địa bàn có số liệu (outputs/<năm>/areas/<địa-bàn>/<lĩnh-vực>.html)",
    )
    parser.add_argument(
        "--executor",
        choices=("local", "dask"),
        default=None,
        help="nơi chạy: local (mặc định, trên máy này) hoặc dask (cụm Dask; không có --scheduler thì "
        "khởi động một LocalCluster trên 127.0.0.1 với --jobs tiến trình worker × 1 luồng)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ĐỊA_CHỈ",
        help="địa chỉ scheduler của cụm Dask, ví dụ tcp://10.0.0.5:8786 (worker chỉ cần gói đã cài, không cần "
        "thư mục dự án)",
    )
    parser.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="mỗi báo cáo một kernel mới (chậm hơn; mặc định: kernel nạp sẵn, dùng lại sau khi kiểm tra sạch)",
    )
    sub = parser.add_subparsers(dest="command")
    v = sub.add_parser("validate", help="kiểm tra các tệp Excel của một năm và ghi bảng vào data/processed/")
    v.add_argument(
        "--year", type=_years, action="extend", help="năm cần kiểm tra (mặc định: mọi năm có số liệu)"
    )
    v.add_argument("--domain", type=_domains, action="extend")
    v.add_argument("--period", type=_period, default=YEAR, help=PERIOD_HELP)
    v.set_defaults(func=cmd_validate)
    t = sub.add_parser("template", help="tạo biểu mẫu Excel trống cho một năm (không ghi đè tệp đã có)")
    t.add_argument("--year", type=_years, action="extend", required=True)
    t.add_argument("--domain", type=_domains, action="extend")
    t.add_argument("--period", type=_period, default=YEAR, help=PERIOD_HELP)
    t.set_defaults(func=cmd_template)
    n = sub.add_parser(
        "new-year",
        help="tạo năm mới: params/<năm>.yaml từ năm gần nhất và các biểu mẫu trống (không ghi đè tệp đã có)",
    )
    n.add_argument("year", type=int)
    n.set_defaults(func=cmd_new_year)
    s = sub.add_parser("status", help="tình hình nhận số liệu: ai đã gửi, ai chưa, ai nộp muộn")
    s.add_argument("--year", type=_years, action="extend")
    s.add_argument("--period", type=_period, default=YEAR, help=PERIOD_HELP)
    s.set_defaults(func=cmd_status)
    i = sub.add_parser(
        "issue",
        help="ghi số và ngày ban hành của báo cáo, lập lại nó một lần rồi cố định (không lần lập nào ghi đè)",
    )
    i.add_argument("--year", type=int, required=True)
    i.add_argument(
        "--domain",
        type=_reports,
        action="extend",
        help="lĩnh vực hoặc summary (báo cáo tổng kết); bỏ trống: mọi báo cáo của năm",
    )
    i.add_argument("--number", default="", help='số, ký hiệu văn bản, ví dụ "172/BC-SLĐTBXH"')
    i.add_argument("--date", required=True, help="ngày ban hành, ví dụ 2021-12-22 hoặc 22/12/2021")
    i.add_argument(
        "--format", default="html,pdf,docx", help="định dạng được cố định (mặc định: html,pdf,docx)"
    )
    i.add_argument("--period", type=_period, default=YEAR, help=PERIOD_HELP)
    i.set_defaults(func=cmd_issue)
    u = sub.add_parser("unissue", help="bỏ ban hành: lần lập sau sẽ lập lại báo cáo")
    u.add_argument("--year", type=int, required=True)
    u.add_argument("--domain", type=_reports, action="extend")
    u.add_argument("--period", type=_period, default=YEAR, help=PERIOD_HELP)
    u.set_defaults(func=cmd_unissue)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .pipeline.clock import sanitise_environment

    _console_utf8()
    warning = sanitise_environment()  # before any command can hand it on to a kernel or a tool
    if warning:
        print(warning, flush=True)
    parser = build_parser()
    args = parser.parse_args(argv)
    for name in ("year", "domain"):  # repeated options add up; each value once, in the order given
        if isinstance(getattr(args, name, None), list):
            setattr(args, name, list(dict.fromkeys(getattr(args, name))))
    func = getattr(args, "func", None)
    try:
        if func is None:
            return cmd_build(args)
        return func(args)
    except KeyboardInterrupt:
        print("Đã dừng.")
        return 130
    except BrokenPipeError:  # the output went to `| head`, which has closed: nothing more to say
        import os

        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except UserError as exc:
        print(f"[LỖI] {exc}", flush=True)
        return 1
    except Exception as exc:  # a fault of the program: people get one line, developers the traceback
        import os

        if os.environ.get("DOLISA_DEBUG"):
            raise
        from .problems import for_people

        print(f"[LỖI] {for_people(exc)} (đặt DOLISA_DEBUG=1 để xem chi tiết kỹ thuật)", flush=True)
        return 1
