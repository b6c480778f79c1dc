"""The report's HTML → a Word document (.docx) in the administrative layout (Decree 30/2020, Phụ lục I).

One source of truth: the DOCX is made from the very HTML the reviewers read, never from a second
renderer. Three steps:

1. **Prepare the HTML** (lxml): drop what only a browser needs (navigation, anchors, the provenance
   footer); mark what Word must lay out itself — the header block and the signature block become
   placeholders, wide tables get landscape markers, numbers are right-aligned, verdicts get a character
   style, headings shift so that the report's sections are Word's "Heading 1/2/3".
2. **pandoc** (``pypandoc-binary``, offline, ~0.1 s) turns it into native Word content — tables with a
   repeating header row, pictures with their alt text and captions, headings, body paragraphs — styled
   by a reference document this module writes with python-docx (``reference_docx``: Times New Roman
   13, headings, captions, a bordered table style).
3. **Finish with python-docx**: the Decree 30 header block (a borderless two-column table: agency left,
   national name and motto right, underlined; "Số: …/BC-…"; place and date), the signature block and
   "Nơi nhận", A4 portrait with margins 20/20/30/15 mm, page numbers top centre from page 2 (a PAGE field,
   first page different), landscape sections for wide tables that keep the page-number header, the
   one-line stamp, and the document properties (title, author, the full provenance in "comments").
   The zip is then written again with fixed timestamps so that two builds give the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

FONT = "Times New Roman"  # named in the styles (on a Vietnamese office laptop); PDF uses the bundled twin
A4 = (210, 297)  # mm
MARGINS = {"top": 20, "bottom": 20, "left": 30, "right": 15}  # mm, Decree 30/2020 Phụ lục I
TEXT_WIDTH_MM = (A4[0] - MARGINS["left"] - MARGINS["right"], A4[1] - MARGINS["top"] - MARGINS["bottom"])
WIDE_TABLE_COLUMNS = 8  # a table with at least this many columns goes into a landscape section
HEADER_MARK, SIGNATURE_MARK = "DOLISA-HEADER-BLOCK", "DOLISA-SIGNATURE-BLOCK"
LANDSCAPE_START, LANDSCAPE_END = "DOLISA-LANDSCAPE-START", "DOLISA-LANDSCAPE-END"
VERDICT_STYLES = {  # tr.verdict-<class> → character style of the verdict cell
    "exceeded": ("Verdict Achieved", "1E7B34"),
    "achieved": ("Verdict Achieved", "1E7B34"),
    "not-achieved": ("Verdict Not Achieved", "B3261E"),
}
_lock = threading.Lock()
_reference: dict[str, bytes] = {}


@dataclass
class HeaderBlock:
    parent: str = ""
    name: str = ""
    country: str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto: str = "Độc lập – Tự do – Hạnh phúc"
    number: str = ""
    dateline: str = ""


@dataclass
class SignatureBlock:
    recipients: list[str] = field(default_factory=list)  # lines, "Nơi nhận:" excluded
    title: list[str] = field(default_factory=list)
    name: str = ""


@dataclass
class DocxMeta:
    title: str
    author: str = ""
    stamp: str = ""  # the one printed line (build id, date)
    comments: str = ""  # "comments" of the core properties (255 characters at most)
    properties: dict[str, str] = field(default_factory=dict)  # custom properties: the full provenance
    when: dt.datetime | None = None  # created/modified, and the zip entries' time
    keywords: str = ""


# -- 1. the HTML, prepared for pandoc ------------------------------------------------------------


def _text(el) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _first(root, xpath: str):
    found = root.xpath(xpath)
    return found[0] if found else None


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _marker(doc, text: str):
    from lxml import html

    p = html.Element("p")
    p.text = text
    return p


def prepare(report_html: str) -> tuple[str, HeaderBlock | None, SignatureBlock | None]:
    """The HTML pandoc reads, and the header and signature blocks python-docx lays out itself."""
    from lxml import etree, html

    doc = html.document_fromstring(report_html)
    main = _first(doc, "//main")
    if main is None:
        main = doc.body
    for el in main.xpath(
        "//nav | //style | //script | //a[" + _cls("anchor-link") + "] | //footer[" + _cls("provenance") + "]"
        " | //*[" + _cls("doc-rule") + "] | //*[" + _cls("stamp") + "]"
    ):
        el.drop_tree()
    for el in main.xpath(".//div[@id]"):  # notebook cell ids: not bookmarks for an editor
        del el.attrib["id"]
    header = None
    table = _first(main, ".//table[" + _cls("doc-header-table") + "]")
    if table is not None:
        header = HeaderBlock(
            parent=_text(_first(table, ".//*[" + _cls("doc-parent") + "]")),
            name=_text(_first(table, ".//*[" + _cls("doc-name") + "]")),
            country=_text(_first(table, ".//*[" + _cls("doc-country") + "]")) or HeaderBlock.country,
            motto=_text(_first(table, ".//*[" + _cls("doc-motto") + "]")) or HeaderBlock.motto,
            number=_text(_first(table, ".//*[" + _cls("doc-number") + "]")).replace("Số:/", "Số: …/"),
            dateline=_text(_first(table, ".//*[" + _cls("doc-dateline") + "]")),
        )
        table.getparent().replace(table, _marker(doc, HEADER_MARK))
    for cls, style in (("doc-kind", "Doc Kind"), ("doc-meta", "Doc Meta")):
        for el in main.xpath(".//*[" + _cls(cls) + "]"):
            el.tag, el.attrib.clear()
            el.set("data-custom-style", style)
    for h1 in main.xpath(".//h1"):  # the subject: the document's title (line breaks kept)
        div = html.Element("div", {"data-custom-style": "Title"})
        p = etree.SubElement(div, "p")
        p.text, p[:] = h1.text, list(h1)
        for span in p.xpath(".//span"):
            span.drop_tag()
        h1.getparent().replace(h1, div)
    signature = None
    sig = _first(main, ".//table[" + _cls("doc-signature") + "]")
    if sig is not None:
        rec = _first(sig, ".//*[" + _cls("doc-recipients") + "]")
        lines = [_text(d) for d in rec.xpath("./div")] if rec is not None else []
        title_el = _first(sig, ".//*[" + _cls("doc-signer-title") + "]")
        title = [t.strip() for t in title_el.itertext() if t.strip()] if title_el is not None else []
        signature = SignatureBlock(
            recipients=[line for line in lines if line and line != "Nơi nhận:"],
            title=title,
            name=_text(_first(sig, ".//*[" + _cls("doc-signer-name") + "]")),
        )
        sig.getparent().replace(sig, _marker(doc, SIGNATURE_MARK))
    for cell in main.xpath(".//td[" + _cls("num") + "] | .//th[" + _cls("num") + "]"):
        cell.set("align", "right")
    for th in main.xpath(".//th[not(" + _cls("num") + ")]"):
        th.set("align", "center")
    for row in main.xpath(".//tr[starts-with(@class, 'verdict-')]"):
        style = VERDICT_STYLES.get(row.get("class", "").split()[0].removeprefix("verdict-"))
        cell = _first(row, "./td[" + _cls("verdict") + "]")
        if style and cell is not None and _text(cell):
            span = html.Element("span", {"data-custom-style": style[0]})
            span.text, span[:] = cell.text, list(cell)
            cell.text, cell[:] = None, [span]
    for table in main.xpath(".//table"):
        first_row = _first(table, ".//tr")
        if first_row is None or len(first_row.xpath("./th | ./td")) < WIDE_TABLE_COLUMNS:
            continue
        table.addprevious(_marker(doc, LANDSCAPE_START))
        after = table
        nxt = table.getnext()
        if nxt is not None and nxt.tag == "p" and "table-note" in (nxt.get("class") or ""):
            after = nxt
        after.addnext(_marker(doc, LANDSCAPE_END))
    for img in main.xpath(".//img"):
        img.set("width", "15cm")
    # headings: pandoc shifts them (--shift-heading-level-by=-1), so the report's h2 is Word's Heading 1
    body = "".join(html.tostring(child, encoding="unicode") for child in main)
    text = f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head><body>{body}</body></html>'
    return text, header, signature


# -- 2. the reference document (styles), made with python-docx -----------------------------------


def reference_docx() -> bytes:
    """pandoc's default reference document, restyled: Times New Roman 13 and the report's own styles."""
    with _lock:
        if "ref" not in _reference:
            _reference["ref"] = _make_reference()
        return _reference["ref"]


def _make_reference() -> bytes:
    import pypandoc
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    with tempfile.TemporaryDirectory(prefix="dolisa-ref-") as tmp:
        default = Path(tmp) / "default.docx"
        data = pypandoc.convert_text("", "docx", format="markdown", outputfile=str(default))
        assert data == ""
        doc = Document(str(default))
    styles = doc.styles

    def style(name: str, kind=WD_STYLE_TYPE.PARAGRAPH, base: str | None = "Normal"):
        try:
            st = styles[name]
        except KeyError:
            st = styles.add_style(name, kind)
            if base:
                st.base_style = styles[base]
        return st

    def font(st, size=None, bold=None, italic=None, color="000000"):
        f = st.font
        f.name = FONT
        rpr = st.element.get_or_add_rPr()
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(_qn(attr), FONT)
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
            fonts.attrib.pop(_qn(attr), None)
        if size:
            f.size = Pt(size)
        if bold is not None:
            f.bold = bold
        if italic is not None:
            f.italic = italic
        if color:
            f.color.rgb = RGBColor.from_string(color)

    normal = styles["Normal"]
    font(normal, 13)
    normal.paragraph_format.space_after = Pt(6)
    for name in ("Body Text", "First Paragraph"):
        st = style(name, base="Normal")
        font(st, 13)
        st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        st.paragraph_format.first_line_indent = Cm(1)
        st.paragraph_format.space_before = Pt(3)
        st.paragraph_format.space_after = Pt(3)
        st.paragraph_format.line_spacing = 1.15
    for level, size in ((1, 14), (2, 13), (3, 13), (4, 13)):
        st = style(f"Heading {level}")
        font(st, size, bold=True, italic=level >= 3)
        st.paragraph_format.space_before = Pt(9 if level == 1 else 6)
        st.paragraph_format.space_after = Pt(3)
        st.paragraph_format.keep_with_next = True
    title = style("Title")
    font(title, 14, bold=True)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    for name, size, bold, italic, align in (
        ("Doc Kind", 14, True, False, WD_ALIGN_PARAGRAPH.CENTER),
        ("Doc Meta", 12, False, True, WD_ALIGN_PARAGRAPH.CENTER),
        ("Table Caption", 13, True, False, WD_ALIGN_PARAGRAPH.CENTER),
        ("Image Caption", 12, False, True, WD_ALIGN_PARAGRAPH.CENTER),
        ("Captioned Figure", 13, False, False, WD_ALIGN_PARAGRAPH.CENTER),
        ("Compact", 11, False, False, None),
        ("Stamp", 8, False, False, WD_ALIGN_PARAGRAPH.LEFT),
        ("Block Text", 12, False, False, None),
    ):
        st = style(name)
        font(st, size, bold=bold, italic=italic, color="555555" if name == "Stamp" else "000000")
        if align is not None:
            st.paragraph_format.alignment = align
        st.paragraph_format.first_line_indent = Cm(0)
        if name == "Doc Kind":
            st.paragraph_format.space_before = Pt(12)
        if name == "Compact":
            st.paragraph_format.space_before = Pt(1)
            st.paragraph_format.space_after = Pt(1)
            st.paragraph_format.line_spacing = 1.0
    for name, color in {v[0]: v[1] for v in VERDICT_STYLES.values()}.items():
        font(style(name, WD_STYLE_TYPE.CHARACTER, base=None), bold=True, color=color)
    if "Hyperlink" in [st.name for st in styles]:
        font(styles["Hyperlink"], color="1F4E79")
    _table_borders(styles["Table"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _table_borders(st) -> None:
    """Single 0.5 pt borders on every cell of the "Table" style (pandoc's tables use it)."""
    from docx.oxml import OxmlElement

    tblpr = st.element.find(_qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        st.element.append(tblpr)
    _borders(tblpr, val="single", sz="4", space="0", color="000000")
    for cond in st.element.findall(_qn("w:tblStylePr")):  # pandoc's header row: no bottom-only rule
        st.element.remove(cond)


# -- 3. pandoc, then python-docx -----------------------------------------------------------------


def html_to_docx(report_html: str, meta: DocxMeta) -> bytes:
    """The DOCX of a report's HTML (bytes; the same for the same input)."""
    import pypandoc

    text, header, signature = prepare(report_html)
    with tempfile.TemporaryDirectory(prefix="dolisa-docx-") as tmp:
        ref = Path(tmp) / "reference.docx"
        ref.write_bytes(reference_docx())
        out = Path(tmp) / "report.docx"
        pypandoc.convert_text(
            text,
            "docx",
            format="html",
            outputfile=str(out),
            extra_args=["--reference-doc", str(ref), "--shift-heading-level-by=-1"],
            sandbox=True,
        )
        raw = out.read_bytes()
    return _normalise_zip(_finish(raw, header, signature, meta), meta.when, meta.properties)


def _finish(
    raw: bytes, header: HeaderBlock | None, signature: SignatureBlock | None, meta: DocxMeta
) -> bytes:
    from docx import Document

    doc = Document(io.BytesIO(raw))
    body = doc.element.body
    fixed = set()  # the header and signature tables: their own column widths
    for p in list(doc.paragraphs):
        mark = p.text.strip()
        if mark == HEADER_MARK and header is not None:
            fixed.add(_header_table(doc, p, header))
        elif mark == SIGNATURE_MARK and signature is not None:
            fixed.add(_signature_table(doc, p, signature))
    _page_setup(doc)
    wide = _landscape_sections(doc)
    for table in doc.tables:
        if table._tbl not in fixed:
            _fit_columns(table, TEXT_WIDTH_MM[1] if table._tbl in wide else TEXT_WIDTH_MM[0])
    for pic in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/picture}cNvPr"):
        pic.set("descr", "")  # pandoc puts the image's source (a data: URI) here; the alt text is on docPr
    if meta.stamp:
        p = doc.add_paragraph(meta.stamp, style="Stamp")
        p.paragraph_format.space_before = _pt(12)
    props = doc.core_properties
    props.title = meta.title
    props.author = meta.author
    props.last_modified_by = meta.author
    props.comments = meta.comments[:255]
    props.keywords = meta.keywords
    props.subject = meta.title
    props.category = "Báo cáo"
    props.language = "vi-VN"
    props.revision = 1
    if meta.when is not None:
        when = meta.when.astimezone(dt.UTC).replace(tzinfo=None)
        props.created = when
        props.modified = when
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pt(n: float):
    from docx.shared import Pt

    return Pt(n)


def _replace(p, table) -> None:
    """Put ``table`` where the marker paragraph ``p`` was."""
    p._p.addnext(table._tbl)
    p._p.getparent().remove(p._p)


def _borders(tblpr, **attrs: str) -> None:
    """Replace the table properties' borders: every edge and inner line with ``attrs`` (w:val, w:sz…)."""
    from docx.oxml import OxmlElement

    for old in tblpr.findall(_qn("w:tblBorders")):
        tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for name, value in attrs.items():
            line.set(_qn(f"w:{name}"), value)
        borders.append(line)
    tblpr.append(borders)


def _borderless(table) -> None:
    tblpr = table._tbl.tblPr
    for st in tblpr.findall(_qn("w:tblStyle")):
        tblpr.remove(st)
    _borders(tblpr, val="nil")


def _cell_lines(cell, lines, *, size=13, bold=False, italic=False, underline=False, align="center"):
    """Write ``lines`` (text or (text, bold, italic, underline)) into a table cell, one paragraph each."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    aligns = {"center": WD_ALIGN_PARAGRAPH.CENTER, "left": WD_ALIGN_PARAGRAPH.LEFT}
    first = True
    for line in lines:
        text, b, i, u, sz = line if isinstance(line, tuple) else (line, bold, italic, underline, size)
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.style = "Compact"
        p.alignment = aligns[align]
        p.paragraph_format.space_before = _pt(0)
        p.paragraph_format.space_after = _pt(0)
        run = p.add_run(text)
        run.font.size, run.bold, run.italic, run.underline = _pt(sz), b, i, u
        run.font.name = FONT


def _two_columns(doc, left_mm: float, right_mm: float):
    table = doc.add_table(rows=1, cols=2)
    _borderless(table)
    table.autofit = False
    _set_widths(table, [left_mm, right_mm])
    return table


def _set_widths(table, widths_mm: list[float]) -> None:
    """Column widths in the grid and on every cell (Word reads one, LibreOffice the other)."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    tbl = table._tbl
    grid = tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for w in widths_mm:
        col = OxmlElement("w:gridCol")
        col.set(_qn("w:w"), str(int(Mm(w).twips)))
        grid.append(col)
    tblpr = tbl.tblPr
    for old in tblpr.findall(_qn("w:tblW")):
        tblpr.remove(old)
    tblw = OxmlElement("w:tblW")
    tblw.set(_qn("w:w"), str(int(Mm(sum(widths_mm)).twips)))
    tblw.set(_qn("w:type"), "dxa")
    tblpr.append(tblw)
    layout = OxmlElement("w:tblLayout")
    layout.set(_qn("w:type"), "fixed")
    tblpr.append(layout)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


def _fit_columns(table, width_mm: float) -> None:
    """Share the text width among the columns by how much text each holds (a name column gets room,
    a number column what its longest number needs)."""
    rows = table.rows
    if not rows:
        return
    n = len(table.columns)
    longest = [4.0] * n
    for row in rows:
        cells = row.cells[:n]
        if len({id(c._tc) for c in cells}) < len(cells):  # a row with merged cells (a group title)
            continue
        for i, cell in enumerate(cells):
            words = cell.text.split()
            size = max((len(w) for w in words), default=0)
            longest[i] = max(longest[i], min(len(cell.text), 40) * 0.6, size * 1.0 + 2.5)
    total = sum(longest)
    _set_widths(table, [width_mm * x / total for x in longest])


def _header_table(doc, marker, h: HeaderBlock) -> None:
    """Decree 30 header: agency (left) and national name and motto (right), then number and date."""
    table = _two_columns(doc, 72, 93)
    left, right = table.rows[0].cells
    _cell_lines(left, [(h.parent, False, False, False, 12), (h.name, True, False, True, 12)])
    _cell_lines(right, [(h.country, True, False, False, 12), (h.motto, True, False, True, 13)])
    row = table.add_row().cells
    _cell_lines(row[0], [(h.number or "Số: …", False, False, False, 13)])
    _cell_lines(row[1], [(h.dateline, False, True, False, 13)])
    for cell in row:
        cell.paragraphs[0].paragraph_format.space_before = _pt(6)
    _replace(marker, table)
    return table._tbl


def _signature_table(doc, marker, s: SignatureBlock) -> None:
    """'Nơi nhận' (left, 12 pt bold italic, lines 11 pt) and the signatory (right, bold)."""
    table = _two_columns(doc, 80, 85)
    left, right = table.rows[0].cells
    _cell_lines(left, [("Nơi nhận:", True, True, False, 12), *s.recipients], size=11, align="left")
    lines = [(t, True, False, False, 13) for t in s.title] + [("", False, False, False, 13)] * 3
    _cell_lines(right, [*lines, (s.name, True, False, False, 13)])
    _replace(marker, table)
    return table._tbl


def _page_setup(doc) -> None:
    """A4 portrait, Decree 30 margins; page number (PAGE field) top centre, not on the first page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(A4[0]), Mm(A4[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS["top"]), Mm(MARGINS["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS["left"]), Mm(MARGINS["right"])
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(p)
    first = section.first_page_header
    first.is_linked_to_previous = False
    first.paragraphs[0].text = ""


def _page_field(paragraph) -> None:
    from docx.oxml import OxmlElement

    def fld(kind: str):
        run = OxmlElement("w:r")
        char = OxmlElement("w:fldChar")
        char.set(_qn("w:fldCharType"), kind)
        run.append(char)
        return run

    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = " PAGE "
    instr_run.append(instr)
    value = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "2"
    value.append(t)
    for el in (fld("begin"), instr_run, fld("separate"), value, fld("end")):
        paragraph._p.append(el)
    for run in paragraph.runs:
        run.font.name, run.font.size = FONT, _pt(13)


def _landscape_sections(doc) -> set:
    """Each wide table in a landscape section of its own; every section names the page-number header
    explicitly (no reliance on "same as previous", which some office suites drop) and only the first
    one has a different first page."""
    from docx.oxml import OxmlElement

    body = doc.element.body
    final = body.find(_qn("w:sectPr"))
    marks = [p for p in doc.paragraphs if p.text.strip() in (LANDSCAPE_START, LANDSCAPE_END)]
    for p in marks:  # a heading just before a wide table goes with it to the landscape page
        if p.text.strip() == LANDSCAPE_START:
            _before_headings(p._p)
    wide, inside = set(), False
    for el in body:
        if el.tag == _qn("w:p"):
            text = "".join(t.text or "" for t in el.iter(_qn("w:t"))).strip()
            inside = {LANDSCAPE_START: True, LANDSCAPE_END: False}.get(text, inside)
        elif el.tag == _qn("w:tbl") and inside:
            wide.add(el)
    first = True
    for p in marks:
        kind = p.text.strip()
        for r in list(p._p):
            if r.tag != _qn("w:pPr"):
                p._p.remove(r)
        sect = copy.deepcopy(final)
        # the section that ends here: portrait before a wide table, landscape after it
        if kind == LANDSCAPE_END:
            _landscape(sect)
        if not first:
            for tp in sect.findall(_qn("w:titlePg")):
                sect.remove(tp)
        for ref in sect.findall(_qn("w:headerReference")):
            if ref.get(_qn("w:type")) == "first" and not first:
                sect.remove(ref)
        first = False
        ppr = p._p.get_or_add_pPr()
        ppr.append(sect)
        spacing = OxmlElement("w:spacing")
        spacing.set(_qn("w:before"), "0")
        spacing.set(_qn("w:after"), "0")
        ppr.insert(0, spacing)
    if marks:  # the last section (after the last wide table): portrait, no different first page
        for tp in final.findall(_qn("w:titlePg")):
            final.remove(tp)
        for ref in final.findall(_qn("w:headerReference")):
            if ref.get(_qn("w:type")) == "first":
                final.remove(ref)
    return wide


def _before_headings(marker) -> None:
    """Move ``marker`` above the headings (and their bookmarks) that come right before it."""
    prev = marker.getprevious()
    while prev is not None:
        tag = prev.tag
        if tag in (_qn("w:bookmarkStart"), _qn("w:bookmarkEnd")):
            prev = prev.getprevious()
            continue
        style = prev.find(f"{_qn('w:pPr')}/{_qn('w:pStyle')}") if tag == _qn("w:p") else None
        if style is None or not style.get(_qn("w:val"), "").startswith("Heading"):
            return
        prev.addprevious(marker)
        prev = marker.getprevious()


def _landscape(sect) -> None:
    size = sect.find(_qn("w:pgSz"))
    w, h = size.get(_qn("w:w")), size.get(_qn("w:h"))
    size.set(_qn("w:w"), h)
    size.set(_qn("w:h"), w)
    size.set(_qn("w:orient"), "landscape")
    mar = sect.find(_qn("w:pgMar"))
    # the binding edge (30 mm) stays on the same side of the sheet: it becomes the top when turned
    top, bottom, left, right = (mar.get(_qn(f"w:{k}")) for k in ("top", "bottom", "left", "right"))
    mar.set(_qn("w:top"), left)
    mar.set(_qn("w:bottom"), right)
    mar.set(_qn("w:left"), bottom)
    mar.set(_qn("w:right"), top)


CUSTOM_PROPS = "docProps/custom.xml"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"


def _custom_xml(properties: dict[str, str]) -> bytes:
    """docProps/custom.xml (File › Properties › Custom in Word), one text property per entry."""
    from xml.sax.saxutils import escape, quoteattr

    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name={quoteattr(name)}>'
        f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
        for pid, (name, value) in enumerate(sorted(properties.items()), start=2)
    )
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{items}</Properties>'
    return xml.encode("utf-8")


def _with_custom(name: str, data: bytes, properties: dict[str, str]) -> bytes:
    """The package files that name docProps/custom.xml: the content types and the package relationships."""
    text = data.decode("utf-8")
    if name == "[Content_Types].xml" and CUSTOM_PROPS not in text:
        override = f'<Override PartName="/{CUSTOM_PROPS}" ContentType="{_CUSTOM_TYPE}"/>'
        text = text.replace("</Types>", override + "</Types>")
    elif name == "_rels/.rels" and CUSTOM_PROPS not in text:
        rel = f'<Relationship Id="rIdDolisaCustom" Type="{_CUSTOM_REL}" Target="{CUSTOM_PROPS}"/>'
        text = text.replace("</Relationships>", rel + "</Relationships>")
    return text.encode("utf-8")


def _normalise_zip(data: bytes, when: dt.datetime | None, properties: dict[str, str] | None = None) -> bytes:
    """The same zip with fixed entry times and attributes (python-docx stamps the current time), and the
    custom properties added."""
    stamp = (1980, 1, 1, 0, 0, 0)
    if when is not None:
        w = when.astimezone(dt.UTC)
        stamp = (max(1980, w.year), w.month, w.day, w.hour, w.minute, w.second - w.second % 2)
    src = zipfile.ZipFile(io.BytesIO(data))
    files = {name: src.read(name) for name in src.namelist()}
    if properties:
        files = {
            name: _with_custom(name, blob, properties)
            if name in ("[Content_Types].xml", "_rels/.rels")
            else blob
            for name, blob in files.items()
        }
        files[CUSTOM_PROPS] = _custom_xml(properties)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(files, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, files[name], compresslevel=6)
    return out.getvalue()
