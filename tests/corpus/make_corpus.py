#!/usr/bin/env python3
"""Generate the corpus of bad workbooks (see README.md in this folder).

Every file is derived from the project's own 2021 sample workbooks (``data/raw/2021/``) or written
from scratch (the huge sheets, the old ``.xls``, the CSV), so nothing here is a hand-edited binary.
The output is deterministic: zip entries get a fixed date, the document properties a fixed time,
and the encryption of the password-protected workbook a fixed "random" source.

Usage: python tests/corpus/make_corpus.py OUT_DIR [--project ROOT]

``CASES`` describes each file: where it goes in a project (``data/raw/2021/<target>``), the exit
code ``run_all.py validate --year 2021`` must give, and fragments its output must contain.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from xml.sax.saxutils import escape as xml_escape

import openpyxl

REPO = Path(__file__).resolve().parents[2]
YEAR = 2021
FIXED_DATE = (2021, 12, 10, 0, 0, 0)
FIXED_STAMP = b"2021-12-10T00:00:00Z"
SHEET = "Chỉ tiêu"
HUGE_ROWS = 1_000_000
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Case:
    name: str  # corpus file stem
    kind: str  # what is wrong, in a few words (README and test ids)
    domain: str
    make: Callable[[Path], bytes]  # project root -> file content
    exit_code: int
    expect: tuple[str, ...]  # fragments the validate output must contain
    ext: str = "xlsx"
    replaces_xlsx: bool = True  # False: the file is put next to a removed <domain>.xlsx
    processed: dict[str, dict[str, object]] = field(default_factory=dict)  # code -> column -> value

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.ext}"

    @property
    def target(self) -> str:
        return f"{self.domain}.{self.ext}"


# --- helpers -------------------------------------------------------------------------------------


def _source(root: Path, domain: str = "labour", year: int = YEAR) -> Path:
    return root / "data" / "raw" / str(year) / f"{domain}.xlsx"


def normalise_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed entry dates and fixed document times: same input, same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_STAMP, content
                )
            dst.writestr(_entry(info.filename), content)
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return normalise_zip(buf.getvalue())


def _edit(domain: str, change: Callable) -> Callable[[Path], bytes]:
    """A case made by loading the sample workbook with openpyxl and changing its indicator sheet."""

    def make(root: Path) -> bytes:
        wb = openpyxl.load_workbook(_source(root, domain))
        change(wb[SHEET])
        return _save(wb)

    return make


def _sheet_part(data: bytes, title: str) -> str:
    """The zip part holding the sheet called ``title`` (openpyxl names them sheet<n>.xml in order)."""
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"
    finally:
        wb.close()


def _patch_part(data: bytes, part: str, patch: Callable[[bytes], bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(_entry(info.filename), patch(content) if info.filename == part else content)
    return out.getvalue()


def _formula(ref: str, formula: str, cached: str | None, text: bool = False, error: bool = False):
    """A formula cell written by openpyxl (no cached value), optionally given one in the sheet XML,
    as Excel stores it after a recalculation."""

    def make(root: Path) -> bytes:
        wb = openpyxl.load_workbook(_source(root))
        wb[SHEET][ref] = "=" + formula
        data = _save(wb)
        if cached is None:
            return data
        f_xml = f"<f>{xml_escape(formula)}</f>".encode()  # as openpyxl writes it

        def patch(xml: bytes) -> bytes:
            pattern = re.compile(
                rb'<c r="' + ref.encode() + rb'"([^>]*)>' + re.escape(f_xml) + rb"(?:<v ?/>|<v></v>)"
            )
            kind = b' t="e"' if error else (b' t="str"' if text else b"")
            new, n = pattern.subn(
                lambda m: (
                    b'<c r="'
                    + ref.encode()
                    + b'"'
                    + m[1]
                    + kind
                    + b">"
                    + f_xml
                    + b"<v>"
                    + cached.encode()
                    + b"</v>"
                ),
                xml,
            )
            assert n == 1, f"formula cell {ref} not found in the sheet XML"
            return new

        return _patch_part(data, _sheet_part(data, SHEET), patch)

    return make


# --- the cases that need more than a cell change --------------------------------------------------


def sheet_renamed(root: Path) -> bytes:
    wb = openpyxl.load_workbook(_source(root))
    wb[SHEET].title = "Chi tieu"
    return _save(wb)


def other_year(root: Path) -> bytes:
    """Last year's workbook copied into this year's folder."""
    return normalise_zip(_source(root, "labour", YEAR - 1).read_bytes())


def blank_rows_and_junk(ws) -> None:
    ws.insert_rows(9, amount=2)  # two blank rows inside the data
    last = ws.max_row
    ws.cell(last + 2, 1, "Người lập biểu")
    ws.cell(last + 2, 5, "Thủ trưởng đơn vị")
    ws.cell(last + 3, 1, "(Ký, ghi rõ họ tên)")
    ws.cell(last + 2, 20, " ")  # a stray space far to the right


def total_row(ws) -> None:
    r = ws.max_row + 1
    ws.cell(r, 1, "Tổng cộng")
    ws.cell(r, 5, 999)


def merged(ws) -> None:
    ws.merge_cells("D7:E7")


def delete_actual_column(ws) -> None:
    ws.delete_cols(5)


def script_and_formula_text(ws) -> None:
    ws["H7"] = "<script>alert(1)</script>"
    ws["H8"] = '=HYPERLINK("http://x","y")'
    ws["H8"].data_type = "s"  # stored as text, not as a formula (as Excel does for '=... typed with a quote)


def wide_sheet(ws) -> None:
    ws.cell(8, 300, "x")


def vietnamese_text_numbers(ws) -> None:
    """vocational_training.xlsx with every figure typed as Vietnamese-style text."""
    for ref, text in {
        "E7": "66,8%",
        "F7": "68%",
        "D8": "14.200",
        "E8": "14.400",
        "D9": "2.500",
        "E9": "2.037",
        "D10": "1.800",
        "E10": "1.225",
        "D11": "9.900",
        "E11": "11.138",
    }.items():
        ws[ref] = text


def old_xls(_root: Path) -> bytes:
    """A minimal real Excel 97-2003 file: an OLE compound file holding a BIFF8 ``Workbook`` stream."""
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x00000041, 0x00000006)
    eof = struct.pack("<HH", 0x000A, 0)
    stream = (bof + eof).ljust(4096, b"\0")  # 4096 bytes: a regular stream, no mini-stream needed
    return ole_file({"Workbook": stream})


def ole_file(streams: dict[str, bytes]) -> bytes:
    """Write a version-3 compound file (512-byte sectors) whose streams are each >= 4096 bytes."""
    sector = 512
    endofchain, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF  # unused FAT entries: 0xFF bytes
    names = list(streams)
    assert len(names) <= 3 and all(len(s) >= 4096 for s in streams.values())
    data_sectors, starts, next_sector = [], [], 2  # sector 0: FAT, sector 1: directory
    fat = [fatsect, endofchain]
    for name in names:
        body = streams[name].ljust(-(-len(streams[name]) // sector) * sector, b"\0")
        count = len(body) // sector
        starts.append(next_sector)
        fat += [next_sector + i + 1 for i in range(count - 1)] + [endofchain]
        data_sectors.append(body)
        next_sector += count
    assert len(fat) <= sector // 4
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat).ljust(sector, b"\xff")

    def entry(name: str, kind: int, child: int, start: int, size: int, right: int = nostream) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            raw,
            len(raw),
            kind,
            1,  # black
            nostream,
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )

    entries = [entry("Root Entry", 5, 1 if names else nostream, endofchain, 0)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        entries.append(entry(name, 2, nostream, starts[i], len(streams[name]), right))
    while len(entries) < 4:
        entries.append(
            struct.pack(
                "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, nostream, nostream, nostream, b"\0" * 16, 0, 0, 0, 0, 0
            )
        )
    directory = b"".join(entries)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,  # 512-byte sectors
        6,  # 64-byte mini sectors
        b"\0" * 6,
        0,  # directory sectors (0 for version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cutoff
        endofchain,  # first mini FAT sector
        0,
        endofchain,  # first DIFAT sector
        0,
    )
    difat = struct.pack("<I", 0) + b"\xff" * (4 * 108)
    return header + difat + fat_bytes + directory + b"".join(data_sectors)


def encrypted(root: Path) -> bytes:
    """The sample workbook protected with the password "1234" (Agile encryption, msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _source(root).read_bytes()
    out = io.BytesIO()
    with ExitStack() as stack:
        _fix_encryption_randomness(stack)
        OOXMLFile(io.BytesIO(plain)).encrypt("1234", out)
    return out.getvalue()


def _fix_encryption_randomness(stack: ExitStack) -> None:
    """Deterministic output: the key material and the container's timestamp are made fixed. Private
    names of msoffcrypto-tool; if a version renames them, the file is still valid, only not byte-stable."""
    import datetime as dt

    try:
        from msoffcrypto.method import ecma376_agile
        from msoffcrypto.method.container import ecma376_encrypted
    except ImportError:
        return
    counter = iter(range(1 << 30))

    def fake_random(size: int) -> bytes:
        seed = hashlib.sha256(f"corpus-{next(counter)}".encode()).digest()
        return (seed * (size // len(seed) + 1))[:size]

    class FixedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2021, 12, 10, tzinfo=tz)

    if hasattr(ecma376_agile, "_random_buffer"):
        stack.enter_context(mock.patch.object(ecma376_agile, "_random_buffer", fake_random))
    if hasattr(ecma376_encrypted, "datetime"):
        stack.enter_context(mock.patch.object(ecma376_encrypted, "datetime", FixedDatetime))


SHORT_ROW = b"<row><c><v>1</v></c></row>"
LONG_ROW = b'<row><c t="inlineStr"><is><t>LD01</t></is></c><c><v>1</v></c><c><v>2</v></c></row>'


def huge(dimension: str | None, sheet: str = SHEET, row: bytes = SHORT_ROW):
    """The sample workbook whose sheet ``sheet`` is replaced by a million filled rows, streamed straight
    into the zip (highly compressible: the file stays small on disk)."""

    def make(root: Path) -> bytes:
        base = _source(root).read_bytes()
        part = _sheet_part(base, sheet)
        src = zipfile.ZipFile(io.BytesIO(base))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                if info.filename != part:
                    dst.writestr(_entry(info.filename), src.read(info.filename))
                    continue
                with dst.open(_entry(part), "w") as fh:
                    fh.write(
                        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'.encode()
                    )
                    if dimension:
                        fh.write(f'<dimension ref="{dimension}"/>'.encode())
                    fh.write(b"<sheetData>")
                    chunk = row * 10_000
                    for _ in range(HUGE_ROWS // 10_000):
                        fh.write(chunk)
                    fh.write(b"</sheetData></worksheet>")
        return out.getvalue()

    return make


def csv_renamed(_root: Path) -> bytes:
    return "Mã số,Tên chỉ tiêu,Thực hiện năm 2021\nLD01,Số lao động được giải quyết việc làm,15939\n".encode()


def truncated(root: Path) -> bytes:
    data = _source(root).read_bytes()
    return data[: len(data) // 2]


def zip_not_xlsx(_root: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(_entry("bao_cao.txt"), "Báo cáo lao động năm 2021".encode())
    return out.getvalue()


def too_big(_root: Path) -> bytes:
    """Over the 10 MB limit; zeros after a zip signature (refused before being opened)."""
    return b"PK\x03\x04" + b"\0" * (11 * 1024 * 1024)


def _set(**cells) -> Callable:
    def change(ws) -> None:
        for ref, value in cells.items():
            ws[ref] = value

    return change


W = "labour.xlsx › Chỉ tiêu"  # where most messages point

CASES: tuple[Case, ...] = (
    Case("sheet_renamed", "sheet renamed", "labour", sheet_renamed, 1,
         ("labour.xlsx: thiếu trang tính 'Chỉ tiêu' (có: 'Hướng dẫn', 'Chi tieu', 'Theo địa bàn')",)),
    Case("column_missing", "column missing", "labour", _edit("labour", delete_actual_column), 1,
         (f"{W} › E6: thiếu cột 'Thực hiện năm 2021'",)),
    Case("column_renamed", "column renamed", "labour", _edit("labour", _set(E6="TH 2021")), 1,
         (f"{W} › E6: tiêu đề cột là 'TH 2021', cần là 'Thực hiện năm 2021'",)),
    Case("text_in_number", "text in a number cell", "labour", _edit("labour", _set(E7="mười lăm")), 1,
         (f'{W} › E7: "mười lăm" không phải là số',)),
    Case("vietnamese_numbers", "Vietnamese-style numbers as text", "vocational_training",
         _edit("vocational_training", vietnamese_text_numbers), 0,
         ('vocational_training.xlsx › Chỉ tiêu › E8: số được nhập dạng văn bản "14.400", đã đọc là 14.400',
          'vocational_training.xlsx › Chỉ tiêu › E7: số được nhập dạng văn bản "66,8%", đã đọc là 66,8'),
         processed={"GD01": {"actual": 66.8, "target_low": 68.0}, "GD02": {"actual": 14400.0, "plan_value": 14200.0},
                    "GD03": {"actual": 2037.0}, "GD05": {"actual": 11138.0, "plan_value": 9900.0}}),
    Case("merged_cells", "merged cells over the data", "labour", _edit("labour", merged), 1,
         (f"{W} › D7: ô gộp D7:E7 trong vùng số liệu",)),
    Case("blank_rows_junk", "blank rows and trailing junk", "labour", _edit("labour", blank_rows_and_junk), 0,
         (f"{W} › A19: dòng không có mã chỉ tiêu ('Người lập biểu'), đã bỏ qua",),
         processed={"LD01": {"actual": 15939.0}, "LD09": {"target_high": 2.3}}),
    Case("total_row", "a 'total' row without a code", "labour", _edit("labour", total_row), 1,
         (f"{W} › A16: dòng có số liệu nhưng mã số 'Tổng cộng' không hợp lệ",)),
    Case("duplicate_code", "duplicate code", "labour", _edit("labour", _set(A8="LD01")), 1,
         (f"{W} › A8: mã chỉ tiêu 'LD01' bị trùng (đã có ở dòng 7)",)),
    Case("unknown_code", "unknown code", "labour", _edit("labour", _set(A9="LD99")), 1,
         (f"{W} › A9: mã chỉ tiêu 'LD99' không có trong danh mục",)),
    Case("negative_count", "negative count", "labour", _edit("labour", _set(E8=-492)), 1,
         (f"{W} › E8: số âm (-492) không hợp lệ cho chỉ tiêu đếm 'LD02'",)),
    Case("other_year", "a workbook for another year", "labour", other_year, 1,
         (f"{W} › B2: năm của biểu là '2020', nhưng tệp nằm trong thư mục năm 2021",)),
    Case("formula_no_cache", "formula without a cached value", "labour",
         _formula("E7", "SUM(15000,939)", None), 1,
         (f"{W} › E7: ô chứa công thức =SUM(15000,939) nhưng chưa có giá trị tính sẵn",)),
    Case("formula_cached", "formula with a cached value", "labour",
         _formula("E7", "SUM(15000,939)", "15939"), 0,
         (f"{W} › E7: ô chứa công thức =SUM(15000,939): đã dùng giá trị tính sẵn 15.939",),
         processed={"LD01": {"actual": 15939.0}}),
    Case("formula_error", "formula whose cached value is an error", "labour",
         _formula("E7", "15939/0", "#DIV/0!", error=True), 1,
         (f"{W} › E7: ô chứa công thức =15939/0 cho kết quả lỗi #DIV/0!",)),
    Case("hyperlink_no_cache", "=HYPERLINK(...) formula without a cached value", "labour",
         _formula("H7", 'HYPERLINK("http://x","y")', None), 1,
         (f'{W} › H7: ô chứa công thức =HYPERLINK("http://x","y") nhưng chưa có giá trị tính sẵn',)),
    Case("hyperlink_cached", "=HYPERLINK(...) formula with a cached value", "labour",
         _formula("H7", 'HYPERLINK("http://x","y")', "y", text=True), 0,
         (f'{W} › H7: ô chứa công thức =HYPERLINK("http://x","y"): đã dùng giá trị tính sẵn "y"',),
         processed={"LD01": {"note": "y"}}),
    Case("script_in_note", "<script> in a text cell (accepted as text)", "labour",
         _edit("labour", script_and_formula_text), 0,
         ("Năm 2021: 0 lỗi",),
         processed={"LD01": {"note": "<script>alert(1)</script>"}, "LD02": {"note": '\'=HYPERLINK("http://x","y")'}}),
    Case("xls_renamed", "old .xls renamed .xlsx", "labour", old_xls, 1,
         ("labour.xlsx: tệp Excel 97–2003 (.xls) đổi đuôi thành .xlsx",)),
    Case("xls_instead", "old .xls sent instead of .xlsx", "labour", old_xls, 1,
         ("labour.xlsx: thiếu tệp số liệu (thấy labour.xls: hãy lưu lại dạng .xlsx)",), ext="xls",
         replaces_xlsx=False),
    Case("csv_renamed", "CSV renamed .xlsx", "labour", csv_renamed, 1,
         ("labour.xlsx: không phải tệp Excel .xlsx hợp lệ",)),
    Case("truncated", "corrupt (truncated) .xlsx", "labour", truncated, 1,
         ("labour.xlsx: tệp .xlsx bị hỏng, không đọc được",)),
    Case("zip_not_xlsx", "a zip that is not a workbook", "labour", zip_not_xlsx, 1,
         ("labour.xlsx: tệp .xlsx bị hỏng, không đọc được",)),
    Case("empty_file", "empty file", "labour", lambda _root: b"", 1, ("labour.xlsx: tệp rỗng (0 byte)",)),
    Case("too_big", "file over 10 MB", "labour", too_big, 1, ("labour.xlsx: tệp quá lớn (11 MB, tối đa 10 MB)",)),
    Case("password", "password-protected workbook", "labour", encrypted, 1,
         ("labour.xlsx: tệp được đặt mật khẩu",)),
    Case("huge_sheet", "a million filled rows", "labour", huge(f"A1:A{HUGE_ROWS}"), 1,
         (f"{W}: trang tính có 1.000.000 dòng, vượt giới hạn 2000 dòng",)),
    Case("huge_sheet_lying", "a million rows, dimension claims 15", "labour", huge("A1:I15"), 1,
         (f"{W}: trang tính có hơn 2000 dòng, vượt giới hạn 2000 dòng",)),
    Case("huge_help_sheet", "a million rows in another sheet", "labour", huge(None, "Hướng dẫn"), 1,
         ("labour.xlsx › Hướng dẫn: trang tính có hơn 2000 dòng, vượt giới hạn 2000 dòng",)),
    Case("unpacked_too_large", "a zip bomb: 78 MB of sheet XML", "labour", huge(None, row=LONG_ROW), 1,
         ("labour.xlsx: tệp giải nén ra 78 MB, vượt giới hạn 50 MB",)),
    Case("wide_sheet", "a cell in column 300", "labour", _edit("labour", wide_sheet), 1,
         (f"{W}: trang tính có 300 cột, vượt giới hạn 200",)),
)  # fmt: skip


def generate(out_dir: Path, project: Path = REPO) -> list[Path]:
    """Write every case's file into ``out_dir``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        path = out_dir / case.filename
        path.write_bytes(case.make(project))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--project", type=Path, default=REPO, help="project root holding data/raw/2021/")
    args = parser.parse_args(argv)
    for path in generate(args.out_dir, args.project):
        print(f"{path.stat().st_size:>10}  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
