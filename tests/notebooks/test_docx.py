"""Word documents (.docx): the Decree 30/2020 layout, checked with python-docx and in LibreOffice.

python-docx reads the structure (page setup, header with its PAGE field, header block, tables, styles,
pictures, properties). LibreOffice headless (Debian's ``libreoffice-writer-nogui``, installed by
``make test-deps`` as chromium is) opens each document as an office suite does and prints it to PDF:
that PDF must be A4 with the header block and title on page 1, a page number atop page 2, and every
figure of the indicator table. ``.ci/run`` sets DOLISA_REQUIRE_OFFICE=1: there a missing suite fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import build_copy

from dolisa_reports import DOMAINS
from dolisa_reports.paths import Layout

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
REQUIRED = os.environ.get("DOLISA_REQUIRE_OFFICE") == "1"
MM = 36000  # EMU per millimetre


@pytest.fixture(scope="module")
def docx_2021(tmp_path_factory) -> Layout:
    return build_copy(
        tmp_path_factory, "docx", "--year", "2021", "--format", "html,docx", warnings=("DOCX:",)
    )


def _doc(path: Path):
    from docx import Document

    return Document(str(path))


def _texts(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


@pytest.mark.slow
def test_every_report_has_its_docx_linked_from_the_index(docx_2021):
    index = (docx_2021.outputs / "index.html").read_text(encoding="utf-8")
    status = json.loads((docx_2021.outputs / "status.json").read_text(encoding="utf-8"))
    for name in (*DOMAINS, "summary"):
        path = docx_2021.out_year(2021) / f"{name}.docx"
        assert zipfile.is_zipfile(path), name
        assert f'href="2021/{name}.docx"' in index, name
        assert status["reports"][f"2021/{name}"]["outputs"]["docx"] == f"2021/{name}.docx"


@pytest.mark.slow
def test_page_setup_and_page_numbers_follow_decree_30(docx_2021):
    doc = _doc(docx_2021.out_year(2021) / "labour.docx")
    first = doc.sections[0]
    assert (round(first.page_width / MM), round(first.page_height / MM)) == (210, 297)
    margins = [
        round(m / MM) for m in (first.top_margin, first.bottom_margin, first.left_margin, first.right_margin)
    ]
    assert margins == [20, 20, 30, 15]
    assert first.different_first_page_header_footer
    assert "PAGE" in "".join(t.text or "" for t in first.header._element.iter(f"{W}instrText"))
    assert _texts(first.first_page_header._element).strip() == ""
    # the wide indicator table sits in a landscape section that still names the page-number header
    landscape = [s for s in doc.sections if s.page_width > s.page_height]
    assert landscape, "the indicator table is not in a landscape section"
    for s in doc.sections:
        refs = s._sectPr.findall(f"{W}headerReference")
        assert any(r.get(f"{W}type") == "default" for r in refs), "a section without its header"
    assert all(not s.different_first_page_header_footer for s in doc.sections[1:])
    styles = {st.name: st for st in doc.styles}
    assert styles["Normal"].font.name == "Times New Roman" and styles["Normal"].font.size.pt == 13


@pytest.mark.slow
def test_header_block_signature_and_stamp(docx_2021):
    doc = _doc(docx_2021.out_year(2021) / "labour.docx")
    blocks = [e for e in doc.element.body if e.tag in (f"{W}p", f"{W}tbl")]
    header = doc.tables[0]
    assert blocks[0] is header._tbl  # the document opens with the header block
    left, right = (c.text for c in header.rows[0].cells)
    assert "UBND TỈNH THỪA THIÊN HUẾ" in left and "SỞ LAO ĐỘNG" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập – Tự do – Hạnh phúc" in right
    underlined = [r.text for c in header.rows[0].cells for p in c.paragraphs for r in p.runs if r.underline]
    assert "Độc lập – Tự do – Hạnh phúc" in underlined and any("SỞ LAO ĐỘNG" in u for u in underlined)
    borders = header._tbl.tblPr.find(f"{W}tblBorders")
    assert {b.get(f"{W}val") for b in borders} == {"nil"}  # borderless
    number, dateline = (c.text for c in header.rows[1].cells)
    assert number.startswith("Số:") and number.endswith("/BC-SLĐTBXH")
    assert dateline == "Thừa Thiên Huế, ngày 10 tháng 12 năm 2021"
    assert any(p.style.name == "Title" and "Lao động – Việc làm" in p.text for p in doc.paragraphs)
    signature = doc.tables[-1]
    recipients, signer = (c.text for c in signature.rows[0].cells)
    assert recipients.startswith("Nơi nhận:") and "UBND tỉnh (b/cáo)" in recipients  # from params
    assert "GIÁM ĐỐC" in signer
    stamp = doc.paragraphs[-1]
    assert stamp.style.name == "Stamp" and re.search(
        r"mã lần lập [0-9a-f]{10} · ngày \d\d/\d\d/\d{4}", stamp.text
    )
    assert "SHA-256" not in "\n".join(p.text for p in doc.paragraphs)  # no paragraph of hashes
    props = doc.core_properties
    assert props.title == "Báo cáo chuyên đề Lao động – Việc làm năm 2021"
    assert props.author == "SỞ LAO ĐỘNG – THƯƠNG BINH VÀ XÃ HỘI"
    with zipfile.ZipFile(docx_2021.out_year(2021) / "labour.docx") as z:
        custom = z.read("docProps/custom.xml").decode("utf-8")
    assert 'name="dolisa.provenance"' in custom and "SHA-256" in custom  # the full provenance is here


@pytest.mark.slow
def test_per_domain_signatory_comes_from_params(docx_2021):
    doc = _doc(docx_2021.out_year(2021) / "inspection.docx")
    recipients, signer = (c.text for c in doc.tables[-1].rows[0].cells)
    assert "Thanh tra tỉnh (b/cáo)" in recipients
    assert signer.startswith("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC")
    summary = _doc(docx_2021.out_year(2021) / "summary.docx")
    recipients, _ = (c.text for c in summary.tables[-1].rows[0].cells)
    assert "Các phòng, trung tâm thuộc Sở" in recipients


def _indicator_table(doc):
    for t in doc.tables:
        if t.rows and t.rows[0].cells[0].text == "TT" and len(t.columns) >= 8:
            return t
    raise AssertionError("no indicator table")


@pytest.mark.slow
def test_real_word_content(docx_2021):
    doc = _doc(docx_2021.out_year(2021) / "labour.docx")
    table = _indicator_table(doc)
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None  # repeats on every page
    row = next(r for r in table.rows if r.cells[1].text == "Số lao động được giải quyết việc làm")
    cells = [c.text for c in row.cells]
    assert cells[3:6] == ["16.000", "15.939", "99,6%"]
    jc = row.cells[4].paragraphs[0]._p.find(f"{W}pPr/{W}jc")
    assert jc is not None and jc.get(f"{W}val") == "right"
    verdict = row.cells[-1].paragraphs[0].runs[0]
    assert verdict.text == "Chưa đạt" and verdict.style.name == "Verdict Not Achieved"
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "I. Kết quả thực hiện") in headings
    assert ("Heading 2", "1. Tóm tắt") in headings
    body = [p for p in doc.paragraphs if p.style.name in ("Body Text", "First Paragraph")]
    assert any("15.939 lao động" in p.text for p in body)  # narrative and summary: editable text
    pictures = list(
        doc.element.body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
    )
    assert pictures and all(p.get("descr") for p in pictures)  # alt text on every chart
    captions = [p.text for p in doc.paragraphs if p.style.name == "Image Caption"]
    assert len(captions) == len(pictures) and captions[0].startswith("Biểu đồ 1.")
    assert "data:image" not in (docx_2021.out_year(2021) / "labour.docx").read_bytes().decode("latin-1")


# -- LibreOffice ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def office_pdfs(docx_2021, tmp_path_factory) -> Path:
    if SOFFICE is None:
        if REQUIRED:
            pytest.fail("DOLISA_REQUIRE_OFFICE=1 but LibreOffice (soffice) is not installed")
        pytest.skip(
            "LibreOffice is not installed (make test-deps, as root: apt-get install libreoffice-writer-nogui)"
        )
    out = tmp_path_factory.mktemp("office")
    profile = out / "profile"  # a profile of its own: no clash with another LibreOffice running
    files = [str(docx_2021.out_year(2021) / f"{n}.docx") for n in ("labour", "summary")]
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *files,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def _pages(pdf: Path) -> list[tuple[float, float, str]]:
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height), p.extract_text() or "") for p in reader.pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["labour", "summary"])
def test_libreoffice_prints_the_document(office_pdfs, docx_2021, name):
    pages = _pages(office_pdfs / f"{name}.pdf")
    assert len(pages) >= 2
    for w, h, _ in pages:  # A4, portrait or landscape (points)
        assert sorted((round(w / 72 * 25.4), round(h / 72 * 25.4))) == [210, 297]
    first = _flat(pages[0][2])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    title = "Lĩnh vực Lao động – Việc làm" if name == "labour" else "Kết quả thực hiện các chỉ tiêu năm 2021"
    assert title in first
    assert not re.match(r"^\s*1\s", pages[0][2])  # no number on the first page
    for number, (_, _, text) in enumerate(pages[1:], start=2):  # then every page opens with its number
        assert text.lstrip().split("\n", 1)[0].strip() == str(number), (name, number, text[:80])


@pytest.mark.slow
def test_every_figure_of_the_indicator_table_is_printed(office_pdfs, docx_2021):
    text = _flat(" ".join(t for _, _, t in _pages(office_pdfs / "labour.pdf")))
    squeezed = text.replace(" ", "")
    table = _indicator_table(_doc(docx_2021.out_year(2021) / "labour.docx"))
    figures = {c.text for r in table.rows[1:] for c in r.cells[3:9]} - {"—", ""}
    assert "15.939" in figures
    missing = [f for f in sorted(figures) if f.replace(" ", "").rstrip("*") not in squeezed]
    assert not missing, missing
