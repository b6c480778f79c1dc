"""Executed notebook → HTML report, through the repository's nbconvert template (no code, no CDN)."""

from __future__ import annotations

import threading

import nbformat

from ..presentation.render import TEMPLATES

NBCONVERT_TEMPLATES = TEMPLATES / "nbconvert"
_local = threading.local()


def _exporter():
    """One exporter per thread (nbconvert exporters keep state between calls)."""
    exp = getattr(_local, "exporter", None)
    if exp is None:
        from nbconvert import HTMLExporter

        exp = HTMLExporter(template_name="dolisa", extra_template_basedirs=[str(NBCONVERT_TEMPLATES)])
        exp.exclude_input = True
        exp.exclude_input_prompt = True
        exp.exclude_output_prompt = True
        exp.embed_images = True
        _local.exporter = exp
    return exp


def to_html(
    nb: nbformat.NotebookNode,
    title: str,
    footer: str = "",
    index_href: str = "../index.html",
    stamp: str = "",
) -> str:
    """``footer``: the provenance line the screen shows; ``stamp``: the one line print shows instead."""
    resources = {"report_title": title, "footer": footer, "index_href": index_href, "stamp": stamp}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body
