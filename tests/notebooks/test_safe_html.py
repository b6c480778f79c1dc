"""Safe HTML: text from workbooks and narratives is escaped or sanitised, never interpreted.

A ``<script>`` in an indicator note shows as text and runs nothing; Markdown narrative cannot inject raw
HTML or a ``javascript:`` link; a report carries no script, no remote resource and no code input.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import openpyxl
import pytest
from conftest import run_build

from dolisa_reports import DOMAINS
from dolisa_reports.inputs.contract import COLUMN_BY_KEY, FIRST_ROW, SHEET_INDICATORS
from dolisa_reports.inputs.narrative import render_markdown
from dolisa_reports.presentation.render import env, render

# Elements that run code or pull a resource: none may appear in a report.
ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "form", "input", "textarea"}
# Attributes that load something when the page opens (a link's href only loads when clicked).
LOADING_ATTRS = {"src", "srcset", "data", "poster", "background", "action", "formaction"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text", "livescript:")


class Page(HTMLParser):
    """Every element, attribute and text run of an HTML document, as the browser's tokenizer sees them."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_parts: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k.lower(): (v or "") for k, v in attrs}))
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text_parts).append(data)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def tags(self, name: str) -> list[dict[str, str]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def _squash(value: str) -> str:
    """What a browser makes of a URL's scheme: case and embedded whitespace/control characters ignored."""
    return re.sub(r"[\x00-\x20]+", "", value).lower()


def is_remote(url: str) -> bool:
    u = _squash(url)
    return u.startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:"))


def assert_inert(html: str, where: str = "") -> Page:
    """No script, no event handler, no dangerous URL, no remote resource: the page can only be read."""
    low = html.lower()
    assert "<script" not in low, f"{where}: <script> in the HTML"
    assert "<iframe" not in low, f"{where}: <iframe> in the HTML"
    page = Page(html)
    for tag, attrs in page.elements:
        assert tag not in ACTIVE_TAGS, f"{where}: <{tag}> element {attrs}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{where}: event handler {name}={value!r} on <{tag}>"
            assert name != "style" or "url(" not in value.lower(), f"{where}: style loads {value!r}"
            if name in {"href", "src", "action", "formaction", "xlink:href", "data", "srcset", "poster"}:
                assert not _squash(value).startswith(BAD_SCHEMES), f"{where}: <{tag} {name}={value!r}>"
            if name in LOADING_ATTRS:
                assert not is_remote(value), f"{where}: <{tag}> loads a remote {name}={value!r}"
        if tag == "link":
            assert not is_remote(attrs.get("href", "")), f"{where}: <link> to {attrs.get('href')!r}"
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            raise AssertionError(f"{where}: <meta http-equiv=refresh>")
    css = "\n".join(page.styles).lower()
    assert "@import" not in css, f"{where}: @import in a stylesheet"
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        assert not is_remote(url), f"{where}: stylesheet loads {url!r}"
    return page


# -- units: the escaping layers one by one ---------------------------------------------------------


@pytest.mark.parametrize(
    "markdown",
    [
        '<script>alert("x")</script>',
        '<iframe src="http://evil.example/"></iframe>',
        '<img src=x onerror="alert(1)">',
        "<style>body { display: none }</style>",
        "[bấm](javascript:alert(1))",
        "[bấm](JaVaScRiPt:alert(1))",
        "[bấm](<javascript:alert(1)>)",
        "[bấm](java&#x09;script:alert(1))",
        '<a href="javascript:alert(2)">bấm</a>',
        "<javascript:alert(3)>",
        "[bấm](vbscript:msgbox(1))",
        "[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![ảnh](http://evil.example/pixel.png)",
        '[bấm](https://example.org "x\\" onmouseover=\\"alert(1)")',
        "| a | b |\n|---|---|\n| <b onclick=alert(1)>1</b> | 2 |",
    ],
)
def test_markdown_narrative_cannot_inject(markdown):
    html = render_markdown(markdown)
    page = assert_inert(html, markdown)
    assert not page.tags("img") and not page.tags("style") and not page.tags("b"), html
    for a in page.tags("a"):  # what a browser's URL parser takes as the scheme; no relative links at all
        assert "href" not in a or urlsplit(a["href"]).scheme in {"http", "https", "mailto"}, html


@pytest.mark.parametrize(
    "raw", ['<script>alert("x")</script>', '<iframe src="http://evil.example/"></iframe>']
)
def test_markdown_raw_html_shows_as_text(raw):
    html = render_markdown(f"Trước {raw} sau")
    assert "&lt;" in html
    assert raw in Page(html).text


def test_markdown_keeps_ordinary_formatting_and_safe_links():
    html = render_markdown(
        "- **Đạt** 99,6% kế hoạch\n- [Cổng thông tin](https://example.org/a?b=1&c=2)\n- [thư](mailto:so@example.vn)\n"
    )
    page = Page(html)
    assert page.tags("strong") and page.tags("li")
    hrefs = [a["href"] for a in page.tags("a")]
    assert hrefs == ["https://example.org/a?b=1&c=2", "mailto:so@example.vn"]
    assert all("noopener" in a.get("rel", "") for a in page.tags("a"))


def test_snippets_autoescape_workbook_text():
    evil = '<script>alert("x")</script>'
    html = render(
        "list_table.html.j2",
        css="sources",
        caption=evil,
        headers=["Mã", "Nguồn số liệu, ghi chú"],
        numeric=set(),
        rows=[["LD01", evil], ["LD02", "<img src=x onerror=alert(1)>"]],
        empty="",
    )
    assert_inert(html)
    assert html.count("&lt;script&gt;") == 2
    assert Page(html).text.count(evil) == 2
    assert "<img" not in html
    assert env().from_string("{{ x }}").render(x="<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_nbconvert_template_escapes_resources_and_drops_scripts():
    """nbconvert's own jinja2 environment does not autoescape: the report template must."""
    from dolisa_reports.pipeline.export import to_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("r.summary(ctx)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<p>Bình thường</p>", "text/plain": "x"}),
    ]
    nb.cells = [cell]
    html = to_html(
        nb, title='Báo cáo <script>alert("t")</script>', footer="<b>chân trang</b>", index_href='"><script>x'
    )
    assert_inert(html, "to_html")
    page = Page(html)
    assert page.tags("title") and 'Báo cáo <script>alert("t")</script>' in page.text
    assert "<b>chân trang</b>" in page.text and not page.tags("b")
    assert "Bình thường" in page.text
    assert "r.summary(ctx)" not in html


# -- a hostile workbook and narrative, built for real ----------------------------------------------

NOTE_COLUMN = COLUMN_BY_KEY["note"].letter
NOTES = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example","bấm")',
]
NARRATIVE = """---
domain: labour
year: 2021
---

## Kết quả đạt được

- Giải quyết việc làm cho 15.939 lao động.
- <script>alert("narrative")</script>
- [bấm vào đây](javascript:alert(1))
- <a href="javascript:alert(2)">liên kết</a>
- ![ảnh](http://evil.example/pixel.png)
- [Cổng thông tin của Sở](https://example.org/so)

<iframe src="http://evil.example/frame"></iframe>

<img src=x onerror=alert(3)>

## Hạn chế, tồn tại

<div onclick="alert(4)">Chưa đạt kế hoạch.</div>
"""


def _poison_workbook(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_INDICATORS]
    for i, note in enumerate(NOTES):
        cell = ws[f"{NOTE_COLUMN}{FIRST_ROW + i}"]
        cell.value = note
        cell.data_type = "s"  # text, as typed after an apostrophe: not a formula
    wb.save(path)
    check = openpyxl.load_workbook(path)[SHEET_INDICATORS]
    assert [check[f"{NOTE_COLUMN}{FIRST_ROW + i}"].value for i in range(len(NOTES))] == NOTES


@pytest.mark.slow
def test_hostile_notes_and_narrative_render_as_text(project, monkeypatch):
    monkeypatch.setenv("DOLISA_OUTPUTS", str(project.outputs))  # restored after the test
    _poison_workbook(project.workbook(2021, "labour"))
    project.narrative(2021, "labour").write_text(NARRATIVE, encoding="utf-8")

    assert run_build(project, "--year", "2021", "--domain", "labour", "--format", "html", "--force") == 0
    html = (project.out_year(2021) / "labour.html").read_text(encoding="utf-8")

    page = assert_inert(html, "labour.html")
    assert "&lt;script&gt;" in html
    assert not page.tags("img") or all(t["src"].startswith("data:image/") for t in page.tags("img"))
    for note in NOTES:
        assert note in page.text, f"the note should show verbatim, as text: {note}"
    for tag, attrs in page.elements:
        assert not any("evil.example" in v for v in attrs.values()), f"<{tag} {attrs}>"
    assert '<script>alert("narrative")</script>' in page.text
    assert "Chưa đạt kế hoạch." in page.text
    assert [a["href"] for a in page.tags("a") if a["href"].startswith("http")] == ["https://example.org/so"]
    assert_inert((project.outputs / "index.html").read_text(encoding="utf-8"), "index.html")


# -- the real 2021 reports ---------------------------------------------------------------------


def _code_lines(domain: str) -> list[str]:
    nb = json.loads(
        (Path(__file__).resolve().parents[2] / "notebooks" / f"{domain}.ipynb").read_text("utf-8")
    )
    lines = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            lines += [ln.strip() for ln in "".join(cell["source"]).splitlines() if len(ln.strip()) >= 6]
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("domain", DOMAINS)
def test_built_report_is_self_contained_and_shows_no_code(built_2021, domain):
    html = (built_2021.out_year(2021) / f"{domain}.html").read_text(encoding="utf-8")
    page = assert_inert(html, f"{domain}.html")
    assert re.search(r'<meta charset="utf-8"\s*/?>', html, re.IGNORECASE), "missing <meta charset=utf-8>"
    assert not re.search(r"<link[^>]*stylesheet", html, re.IGNORECASE), "a report embeds its styles"
    assert not re.search(r"""src=["']?(https?:)?//""", html, re.IGNORECASE)
    assert page.tags("table") and "table" in {
        t for t, a in page.elements if "indicators" in a.get("class", "")
    }
    # no code input, no prompts
    assert not re.search(r"\bIn\s*(&nbsp;|\xa0)?\s*\[", html) and "Out[" not in html
    assert not re.search(r"\br\.[a-z_]+\(ctx", html)
    assert "ctx = r.load(" not in page.text
    for line in _code_lines(domain):
        assert line not in page.text, f"code shows in the report: {line!r}"
    for attrs in page.tags("div"):
        cls = attrs.get("class", "")
        assert "input_area" not in cls and "jp-InputArea" not in cls, cls


@pytest.mark.slow
def test_built_index_is_inert(built_2021):
    html = (built_2021.outputs / "index.html").read_text(encoding="utf-8")
    page = assert_inert(html, "index.html")
    assert re.search(r'<meta charset="utf-8"\s*/?>', html, re.IGNORECASE)
    hrefs = [a["href"] for a in page.tags("a")]
    assert hrefs and not [h for h in hrefs if is_remote(h)]


@pytest.mark.slow
def test_hostile_value_in_an_error_shows_escaped_on_the_index(project, monkeypatch):
    """A failed build puts the workbook's error on the index page: the offending cell text stays text."""
    monkeypatch.setenv("DOLISA_OUTPUTS", str(project.outputs))
    path = project.workbook(2021, "labour")
    wb = openpyxl.load_workbook(path)
    wb[SHEET_INDICATORS][f"{COLUMN_BY_KEY['actual'].letter}{FIRST_ROW}"] = '<script>alert("e")</script>'
    wb.save(path)
    assert run_build(project, "--year", "2021", "--domain", "labour", "--format", "html", "--force") == 1
    html = (project.outputs / "index.html").read_text(encoding="utf-8")
    page = assert_inert(html, "index.html")
    assert '<script>alert("e")</script>' in page.text, "the error should quote the cell, as text"
    status = json.loads((project.outputs / "status.json").read_text(encoding="utf-8"))
    assert status["reports"]["2021/labour"]["state"] == "failed"
