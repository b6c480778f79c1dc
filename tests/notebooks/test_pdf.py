"""PDF reports: A4, embedded Vietnamese-complete fonts, real text, page numbers, tables, failures.

The slow tests build the 2021 sample (HTML + PDF) once into a temp folder and read the PDFs back with
pypdf and pdfplumber; the fast ones render small documents through the same nbconvert template.
"""

from __future__ import annotations

import html as htmllib
import io
import json
import logging
import os
import re
import unicodedata
from pathlib import Path

import nbformat
import pdfplumber
import pytest
from conftest import build_copy, run_build
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from dolisa_reports import DOMAINS
from dolisa_reports.cli import build_parser
from dolisa_reports.paths import Layout
from dolisa_reports.pipeline import pdf as pdfmod
from dolisa_reports.pipeline.export import to_html
from dolisa_reports.pipeline.pdf import PdfError, find_browser, font_face_css, html_to_pdf

A4 = (595.28, 841.89)
MM = 72 / 25.4
# Decree 30 margins used by report.css: top 20, right 15, bottom 20, left 30 (mm)
LEFT, RIGHT, TOP = 30 * MM, A4[0] - 15 * MM, 20 * MM
VIETNAMESE = "ảấầẩẫậắằẳẵặẻẽếềểễệỉịỏốồổỗộớờởỡợủứừửữựỳỷỹỵđĐƠƯ"


# -- helpers -----------------------------------------------------------------------------------


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _fonts(resources, seen=None) -> list:
    """Every font dictionary reachable from a resource dictionary (including form XObjects)."""
    seen = set() if seen is None else seen
    resources = _resolve(resources) or {}
    found = []
    for font in (_resolve(resources.get("/Font")) or {}).values():
        found.append(_resolve(font))
    for xobj in (_resolve(resources.get("/XObject")) or {}).values():
        ref = id(_resolve(xobj))
        if ref in seen:
            continue
        seen.add(ref)
        xobj = _resolve(xobj)
        if xobj.get("/Subtype") == "/Form" and "/Resources" in xobj:
            found += _fonts(xobj["/Resources"], seen)
    return found


def _is_embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":  # glyphs drawn in the file itself
        return True
    if font.get("/Subtype") == "/Type0":
        font = _resolve(font["/DescendantFonts"][0])
    desc = _resolve(font.get("/FontDescriptor")) or {}
    return any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as doc:
        return _norm(" ".join(page.extract_text() or "" for page in doc.pages))


def _top_margin_text(page) -> str:
    return (page.crop((0, 0, page.width, TOP)).extract_text() or "").strip()


def _notebook_html(fragment: str, title: str = "Báo cáo thử") -> str:
    """``fragment`` as the output of one notebook cell, exported like a real report."""
    out = nbformat.v4.new_output("display_data", data={"text/html": fragment})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[out])])
    return to_html(
        nb,
        title=title,
        footer="Lập tự động (kiểm thử) · WeasyPrint 68 · tệp số liệu (SHA-256): 2021/labour.xlsx 0123abcd.",
        stamp="Lập tự động bằng dolisa-reports · mã lần lập 0123456789 · ngày 10/12/2021",
    )


def _long_table(rows: int = 90) -> str:
    body = "".join(
        f'<tr><td class="tt">{i}</td><td>Dòng A{i:03d} ảấầẩẫ<br>tiếp B{i:03d}</td><td class="num">{i * 1000:,}</td></tr>'
        for i in range(1, rows + 1)
    )
    return (
        '<table class="indicators"><caption>Bảng thử</caption>'
        "<thead><tr><th>TT</th><th>Chỉ tiêu thử nghiệm</th><th>Giá trị</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


# -- fast: fonts, one small document, errors ---------------------------------------------------


def test_bundled_fonts_cover_vietnamese_and_carry_their_licence():
    from fontTools.ttLib import TTFont

    assert (pdfmod.FONTS / "OFL.txt").is_file()
    alphabet = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ")
    alphabet |= {c.lower() for c in alphabet} | set("–“”…%")
    paths = pdfmod.font_paths()
    assert len(paths) == 4
    for path in paths:
        cmap = TTFont(path).getBestCmap()
        missing = sorted(c for c in alphabet if ord(c) not in cmap)
        assert not missing, f"{path.name} lacks {''.join(missing)}"


def test_pdf_font_rules_point_at_the_package_fonts():
    css = font_face_css()
    urls = re.findall(r'url\("(file://[^"]+)"\)', css)
    assert len(urls) == 4
    for url in urls:
        assert url.startswith(pdfmod.FONTS.as_uri())
        assert (pdfmod.FONTS / url.rsplit("/", 1)[1]).is_file()
    inline = font_face_css(inline=True)
    assert inline.count("data:font/ttf;base64,") == 4 and "file://" not in inline


def test_small_report_renders_a4_with_bundled_embedded_fonts(tmp_path):
    html = _notebook_html(
        f"<h2>Kết quả</h2><p>{VIETNAMESE}</p><p><b>Đậm {VIETNAMESE}</b> <i>nghiêng ả</i></p>"
    )
    assert not re.search(r"@font-face\s*\{", html)  # the HTML stays small: fonts only in the PDF
    out = tmp_path / "2021" / "thu.pdf"
    assert html_to_pdf(html, out, base_url=out.parent, engine="weasyprint") == "weasyprint"
    reader = PdfReader(out)
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A4[0]) <= 1 and abs(float(page.mediabox.height) - A4[1]) <= 1
    fonts = [f for page in reader.pages for f in _fonts(page["/Resources"])]
    assert fonts and all(_is_embedded(f) for f in fonts)
    assert all("DOLISA-Serif" in str(f["/BaseFont"]) for f in fonts), [str(f["/BaseFont"]) for f in fonts]
    assert VIETNAMESE in _pdf_text(out)


def test_long_table_repeats_its_header_and_never_splits_a_row(tmp_path):
    out = tmp_path / "2021" / "bang.pdf"
    html_to_pdf(_notebook_html(_long_table()), out, engine="weasyprint")
    with pdfplumber.open(out) as doc:
        pages = [page.extract_text() or "" for page in doc.pages]
        assert len(pages) >= 3
        for number, text in enumerate(pages, start=1):
            assert "Chỉ tiêu thử nghiệm" in text, f"page {number} lacks the table header"
            for first in re.findall(r"A(\d{3})", text):
                assert f"B{first}" in text, f"row {int(first)} is split across pages"
        # page numbers: centred in the top margin, from page 2 on (Decree 30), none on page 1
        assert _top_margin_text(doc.pages[0]) == ""
        for number, page in enumerate(doc.pages[1:], start=2):
            assert _top_margin_text(page) == str(number)


def test_css_warnings_go_to_the_debug_log_not_the_terminal(tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG, logger="dolisa_reports.pipeline")
    terminal = io.StringIO()  # as if the program had called logging.basicConfig()
    console = logging.StreamHandler(terminal)
    console.setLevel(logging.WARNING)
    logging.getLogger().addHandler(console)
    try:
        html = _notebook_html('<p style="frobnicate: 1">Chữ</p>')
        html_to_pdf(html, tmp_path / "2021" / "log.pdf", engine="weasyprint")
    finally:
        logging.getLogger().removeHandler(console)
    ours = [
        r for r in caplog.records if r.name == "dolisa_reports.pipeline" and "frobnicate" in r.getMessage()
    ]
    assert ours and all(r.levelno == logging.DEBUG for r in ours)
    assert "frobnicate" not in terminal.getvalue()
    captured = capfd.readouterr()
    assert "frobnicate" not in captured.err and "frobnicate" not in captured.out


def test_a_failed_render_keeps_the_last_good_pdf_and_names_the_report(tmp_path, monkeypatch):
    out = tmp_path / "2021" / "labour.pdf"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"%PDF-1.7 last good")

    def broken(html, base_url, epoch=None):
        raise RuntimeError("hỏng giữa chừng")

    monkeypatch.setattr(pdfmod, "_weasyprint_pdf", broken)
    # the report is named; the program's own exception text and class are for the run log only
    with pytest.raises(PdfError, match=r"2021/labour\.pdf.*lỗi của chương trình") as info:
        html_to_pdf("<p>x</p>", out, engine="weasyprint")
    assert "RuntimeError" not in str(info.value)
    assert out.read_bytes() == b"%PDF-1.7 last good"
    assert [p.name for p in out.parent.iterdir()] == ["labour.pdf"]  # no temporary file left


def test_engine_choice_and_clear_errors(tmp_path, monkeypatch):
    with pytest.raises(PdfError, match="không hỗ trợ"):
        html_to_pdf("<p>x</p>", tmp_path / "a.pdf", engine="latex")
    monkeypatch.setattr(pdfmod, "find_browser", lambda: None)
    with pytest.raises(PdfError, match=r"a\.pdf.*Chromium, Chrome hoặc Edge"):
        html_to_pdf("<p>x</p>", tmp_path / "a.pdf", engine="chromium")
    # without WeasyPrint and without a browser, the reason is given, not a traceback
    monkeypatch.setattr(pdfmod, "weasyprint_problem", lambda: "WeasyPrint không nạp được thư viện Pango")
    with pytest.raises(PdfError, match="Pango"):
        html_to_pdf("<p>x</p>", tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()
    # without WeasyPrint but with a browser, the browser is used
    monkeypatch.setattr(pdfmod, "find_browser", lambda: "/usr/bin/true")
    monkeypatch.setattr(pdfmod, "_chromium_pdf", lambda html, base: b"%PDF-1.7 from a browser")
    assert html_to_pdf("<p>x</p>", tmp_path / "a.pdf") == "chromium"


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as a stand-in browser")
def test_a_browser_that_fails_is_reported_with_its_message(tmp_path, monkeypatch):
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'GPU process exited unexpectedly' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("DOLISA_CHROMIUM", str(fake))
    assert find_browser() == str(fake)
    with pytest.raises(PdfError, match=r"2021/social_protection\.pdf.*mã 3.*GPU process exited"):
        html_to_pdf("<p>x</p>", tmp_path / "2021" / "social_protection.pdf", engine="chromium")
    assert not (tmp_path / "2021" / "social_protection.pdf").exists()


def test_cli_pdf_engine_flag(capsys):
    parser = build_parser()
    assert parser.parse_args([]).pdf_engine is None
    assert parser.parse_args(["--pdf-engine", "chromium"]).pdf_engine == "chromium"
    with pytest.raises(SystemExit):
        parser.parse_args(["--pdf-engine", "wkhtmltopdf"])


@pytest.mark.browser
def test_chromium_engine_makes_the_same_a4_document(tmp_path):
    if find_browser() is None:
        reason = "no Chromium, Chrome or Edge here (Debian: apt-get install chromium; or set DOLISA_CHROMIUM)"
        if os.environ.get("DOLISA_REQUIRE_BROWSER") == "1":  # set by .ci/run once chromium is installed
            pytest.fail(f"DOLISA_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    html = _notebook_html(f"<p>{VIETNAMESE}</p>" + _long_table(60))
    out = tmp_path / "2021" / "chromium.pdf"
    assert html_to_pdf(html, out, base_url=out.parent, engine="chromium") == "chromium"
    reader = PdfReader(out)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - A4[0]) <= 1 and abs(float(page.mediabox.height) - A4[1]) <= 1
    fonts = [f for page in reader.pages for f in _fonts(page["/Resources"])]
    assert fonts and all(_is_embedded(f) for f in fonts)
    assert all("LiberationSerif" in str(f["/BaseFont"]) for f in fonts), [str(f["/BaseFont"]) for f in fonts]
    assert VIETNAMESE in _pdf_text(out)
    with pdfplumber.open(out) as doc:
        assert "Chỉ tiêu thử nghiệm" in (doc.pages[1].extract_text() or "")  # header repeated
        assert _top_margin_text(doc.pages[1]) == "2"
    _printed_stamp_not_footer(out)
    assert "weasyprint" not in str(reader.metadata or {}).lower()  # the Chromium PDF does not claim it


def _printed_stamp_not_footer(pdf: Path) -> None:
    """On paper: the one-line stamp; the provenance footer (versions, hashes) stays in the HTML."""
    text = _pdf_text(pdf)
    assert _norm("mã lần lập 0123456789 · ngày 10/12/2021") in text
    assert "SHA-256" not in text and "WeasyPrint" not in text


def test_the_weasyprint_pdf_prints_the_stamp_not_the_footer(tmp_path):
    out = tmp_path / "2021" / "stamp.pdf"
    html_to_pdf(_notebook_html(f"<p>{VIETNAMESE}</p>"), out, base_url=out.parent, engine="weasyprint")
    _printed_stamp_not_footer(out)


# -- slow: the 2021 sample -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_2021(tmp_path_factory) -> Layout:
    return build_copy(tmp_path_factory, "pdf", "--year", "2021", "--format", "html,pdf", warnings=("PDF:",))


def _pdfs(layout: Layout) -> dict[str, Path]:
    return {d: layout.out_year(2021) / f"{d}.pdf" for d in DOMAINS}


@pytest.mark.slow
def test_five_pdfs_next_to_the_html_and_linked(pdf_2021):
    status = json.loads((pdf_2021.outputs / "status.json").read_text(encoding="utf-8"))
    index = (pdf_2021.outputs / "index.html").read_text(encoding="utf-8")
    for domain, path in _pdfs(pdf_2021).items():
        assert path.read_bytes()[:5] == b"%PDF-", domain
        assert path.with_suffix(".html").is_file()
        assert status["reports"][f"2021/{domain}"]["outputs"]["pdf"] == f"2021/{domain}.pdf"
        assert f'href="2021/{domain}.pdf"' in index


@pytest.mark.slow
def test_every_page_is_a4_and_every_font_embedded(pdf_2021):
    for domain, path in _pdfs(pdf_2021).items():
        reader = PdfReader(path)
        for n, page in enumerate(reader.pages, start=1):
            size = (float(page.mediabox.width), float(page.mediabox.height))
            assert abs(size[0] - A4[0]) <= 1 and abs(size[1] - A4[1]) <= 1, f"{domain} p.{n}: {size}"
            fonts = _fonts(page["/Resources"])
            assert fonts, f"{domain} p.{n} has no text"
            for font in fonts:
                assert _is_embedded(font), f"{domain} p.{n}: {font.get('/BaseFont')} is not embedded"
                assert "DOLISA-Serif" in str(font.get("/BaseFont")), f"{domain}: {font.get('/BaseFont')}"


@pytest.mark.slow
def test_indicator_names_and_figures_are_real_text(pdf_2021):
    labour = _pdf_text(_pdfs(pdf_2021)["labour"])
    for text in (
        "Số lao động được giải quyết việc làm",
        "15.939",
        "99,6%",
        "27,3%",
        "16.000",
        "Năm 2021, toàn tỉnh giải quyết việc làm cho 15.939 lao động, đạt 99,6% kế hoạch",
    ):
        assert text in labour, text
    voc = _pdf_text(_pdfs(pdf_2021)["vocational_training"])
    assert "Tuyển sinh trình độ cao đẳng" in voc


@pytest.mark.slow
def test_pdf_has_the_html_sections_tables_and_figures(pdf_2021):
    """Same content as the HTML: every heading, table caption and figure caption is in the PDF."""
    for domain, path in _pdfs(pdf_2021).items():
        html = path.with_suffix(".html").read_text(encoding="utf-8")
        text = _pdf_text(path).upper()
        pieces = re.findall(r"<(h2|h3|caption|figcaption)\b[^>]*>(.*?)</\1>", html, re.S)
        assert len(pieces) >= 5, domain
        for _, piece in pieces:
            piece = re.sub(r'<a class="anchor-link".*?</a>', "", piece)  # the hidden ¶ link
            piece = _norm(htmllib.unescape(re.sub(r"<[^>]+>", "", piece)))
            assert piece.upper() in text, f"{domain}: {piece!r} missing from the PDF"


@pytest.mark.slow
def test_administrative_header_and_page_numbers(pdf_2021):
    for domain, path in _pdfs(pdf_2021).items():
        with pdfplumber.open(path) as doc:
            first = doc.pages[0]
            text = _norm(first.extract_text())
            for expected in (
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập – Tự do – Hạnh phúc",
                "UBND TỈNH THỪA THIÊN HUẾ",
                "Thừa Thiên Huế, ngày 10 tháng 12 năm 2021",
                "BÁO CÁO CHUYÊN ĐỀ",
                "/BC-SLĐTBXH",
            ):
                assert expected in text, f"{domain}: {expected}"
            words = first.extract_words()
            boundary = LEFT + 0.41 * (RIGHT - LEFT)  # organisation: the left 41 % of the text width
            org = next(w for w in words if w["text"] == "UBND")
            nation = next(w for w in words if w["text"] == "CỘNG")
            assert org["x1"] < boundary < nation["x0"] and abs(org["top"] - nation["top"]) < 3, domain
            assert len(doc.pages) >= 2, domain
            assert _top_margin_text(first) == ""
            for n, page in enumerate(doc.pages[1:], start=2):
                assert _top_margin_text(page) == str(n), f"{domain} p.{n}"


@pytest.mark.slow
def test_charts_and_text_stay_inside_the_margins(pdf_2021):
    for domain, path in _pdfs(pdf_2021).items():
        with pdfplumber.open(path) as doc:
            assert sum(len(p.images) for p in doc.pages) >= 2, domain
            for n, page in enumerate(doc.pages, start=1):
                for box in [*page.images, *page.chars]:
                    assert box["x0"] >= LEFT - 1 and box["x1"] <= RIGHT + 1, (
                        f"{domain} p.{n}: {box['x0']}–{box['x1']}"
                    )


@pytest.mark.slow
def test_a_pdf_failure_keeps_the_html_and_the_other_pdfs(project, capsys):
    """The PDF is made by the kernel that ran the report: the labour notebook breaks WeasyPrint there
    (and its kernel is then discarded, as a patched package is a trace)."""
    import nbformat

    path = project.notebook("labour")
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "from dolisa_reports.pipeline import pdf as _pdf\n"
            "def _broken(*args, **kw):\n"
            "    raise RuntimeError('máy in ảo hỏng')\n"
            "_pdf._weasyprint_pdf = _broken"
        )
    )
    nbformat.write(nb, str(path))
    last_good = project.out_year(2021) / "labour.pdf"
    last_good.parent.mkdir(parents=True, exist_ok=True)
    last_good.write_bytes(b"%PDF-1.7 last good labour")
    run_build(project, "--year", "2021", "--domain", "labour,inspection", "--format", "html,pdf")
    out = capsys.readouterr().out
    warning = [line for line in out.splitlines() if "PDF: không tạo được" in line]
    assert len(warning) == 1 and "2021/labour.pdf" in warning[0], out
    assert "máy in ảo hỏng" not in out  # the program's own text: in the run log only
    assert "máy in ảo hỏng" in (project.outputs / "build.log").read_text(encoding="utf-8")
    assert (project.out_year(2021) / "labour.html").is_file()
    assert last_good.read_bytes() == b"%PDF-1.7 last good labour"
    assert PdfReader(project.out_year(2021) / "inspection.pdf").pages
    status = json.loads((project.outputs / "status.json").read_text(encoding="utf-8"))
    assert status["reports"]["2021/labour"]["outputs"]["pdf"] == "2021/labour.pdf"  # the last good PDF
    assert status["reports"]["2021/inspection"]["outputs"]["pdf"] == "2021/inspection.pdf"
