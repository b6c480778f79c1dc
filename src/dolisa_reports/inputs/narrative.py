"""Analysts' narrative: ``data/raw/<year>/narrative/<domain>.md``, one section per heading.

Rendered with markdown-it (raw HTML disabled) and then sanitised with nh3, so a narrative can never
inject a script, a style or a ``javascript:`` link into a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nh3
import yaml
from markdown_it import MarkdownIt

from .params import normalise

SECTIONS: dict[str, tuple[str, ...]] = {
    # key: accepted headings (first is canonical)
    "achievements": ("Kết quả đạt được", "Kết quả", "Kết quả thực hiện"),
    "limitations": ("Hạn chế, tồn tại", "Hạn chế", "Tồn tại, hạn chế", "Tồn tại"),
    "causes": ("Nguyên nhân", "Nguyên nhân của hạn chế, tồn tại"),
    "solutions": ("Giải pháp, phương hướng năm sau", "Giải pháp", "Phương hướng, nhiệm vụ", "Phương hướng"),
    "recommendations": ("Kiến nghị, đề xuất", "Kiến nghị", "Đề xuất", "Đề xuất, kiến nghị"),
}

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
# "1. ", "I. ", "1) ", "a) ", "IV - " before a heading's words
_NUMBERING = re.compile(r"^(?:(?:\d+|[IVXLC]+|[a-zđ])\s*[.)\-–:]\s+)+", re.IGNORECASE)
_FRONT = re.compile(r"\A---\s*\n(?P<yaml>.*?)\n---\s*\n", re.DOTALL)

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "ul", "ol", "li", "strong", "em", "b", "i", "br", "blockquote", "h3", "h4", "h5",
    "table", "thead", "tbody", "tr", "th", "td", "a", "code", "hr",
}  # fmt: skip


LINK_SCHEMES = ("http://", "https://", "mailto:")


def safe_href(value: str) -> str | None:
    """An absolute ``http``, ``https`` or ``mailto`` link, else None. A relative link (``../../etc/passwd``,
    ``#x``, ``//host``) would become a ``file://`` link in the PDF, or point into the reader's disk."""
    from urllib.parse import urlsplit

    v = value.strip()
    if not v.lower().startswith(LINK_SCHEMES):
        return None
    parts = urlsplit(v)
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return None  # 'http:///etc/passwd': no host
    return v


def _attribute_filter(_tag: str, attr: str, value: str) -> str | None:
    if attr == "href":
        return safe_href(value)
    return value


def render_markdown(text: str) -> str:
    """Markdown to safe HTML: raw HTML is escaped, then anything outside a small allow-list is dropped;
    links keep only absolute http, https and mailto addresses (any other ``href`` is removed)."""
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
    )


@dataclass
class Narrative:
    path: Path | None
    sections: dict[str, str] = field(default_factory=dict)  # key -> markdown
    meta: dict = field(default_factory=dict)
    extra: list[tuple[str, str]] = field(default_factory=list)  # sections of its own: (heading, markdown)
    text: str = ""  # the whole file, front matter blanked (line numbers as in the file)

    @property
    def exists(self) -> bool:
        return self.path is not None

    @property
    def unknown_headings(self) -> list[str]:
        return [title for title, _ in self.extra]

    def markdown(self, key: str) -> str | None:
        text = self.sections.get(key, "").strip()
        return text or None

    def html(self, key: str) -> str | None:
        text = self.markdown(key)
        return render_markdown(text) if text else None


def heading_title(title: str) -> str:
    """'1. Kết quả đạt được:' → 'Kết quả đạt được' (numbering, colon and emphasis marks dropped)."""
    t = title.strip().strip("*_ ").strip()
    t = _NUMBERING.sub("", t).strip()
    return t.rstrip(":：").strip().strip("*_ ").strip()


def _section_key(title: str) -> str | None:
    t = normalise(heading_title(title))
    for key, names in SECTIONS.items():
        if any(t == normalise(n) for n in names):
            return key
    return None


def parse_narrative(text: str, path: Path | None = None) -> Narrative:
    """Sections by heading: a known section at any level (``#``, ``##``, ``###``, numbered or not), and
    any other heading at the file's top heading level, kept as a section of its own (never dropped).
    Deeper unknown headings stay in the section they are in."""
    meta = {}
    m = _FRONT.match(text)
    body_text = text
    if m:
        try:
            meta = yaml.safe_load(m["yaml"]) or {}
        except yaml.YAMLError:
            meta = {}
        body_text = "\n" * m.group(0).count("\n") + text[m.end() :]  # keep the line numbers
    out = Narrative(path, meta=meta if isinstance(meta, dict) else {}, text=body_text)
    lines = body_text.splitlines()
    in_code = False
    heads = []  # (line index, level, title)
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
        h = None if in_code else _HEADING.match(line)
        if h:
            heads.append((i, len(h["hashes"]), h["title"]))
    top = min((level for _, level, _ in heads), default=2)
    starts = [(i, title) for i, level, title in heads if _section_key(title) or level == top]
    for n, (i, title) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = "\n".join(lines[i + 1 : end]).strip()
        key = _section_key(title)
        if key is None:
            out.extra.append((heading_title(title) or title.strip(), body))
        else:
            out.sections[key] = (out.sections.get(key, "") + "\n\n" + body).strip()
    return out


def load_narrative(path: Path, display: str | None = None) -> Narrative:
    """The narrative, or an empty one when there is none; :class:`~.textio.TextFileError` (Vietnamese,
    naming ``display``) when it is not saved as UTF-8."""
    from .textio import read_text

    if not path.is_file():
        return Narrative(None)
    return parse_narrative(read_text(path, display or path.name), path)
