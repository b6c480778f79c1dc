"""The gate is complete: a workbook that passes ``validate`` never makes a report fail.

Hypothesis fills the input cells (plan, actual, next year's target) of the project's real template workbooks
with generated values — numbers of every size, negative, NaN-like text, Vietnamese- and English-style number
text, bounds with missing parts, dates, booleans, formulas, blanks — under number formats an analyst may set
(percent, date, text). For each: either ``validate`` reports an error for that workbook (and no dataset is
written for it), or the domain notebook's own cells run to the end on the validated dataset and print no
``nan``/``inf``. The notebook cells are executed in this process (the same code the kernel runs), so a
hundred workbooks take seconds; a notebook run in a real kernel is covered by the report tests.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import os
import re
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pytest
from conftest import copy_project
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dolisa_reports.inputs import contract as C
from dolisa_reports.inputs import dataset
from dolisa_reports.inputs.validate import validate_year
from dolisa_reports.paths import Layout
from dolisa_reports.problems import errors

YEAR = 2021
KEYS = ("plan", "actual", "target_next")
FORMATS = ("#,##0.###", "0.0%", "0%", "dd/mm/yyyy", "General", "@", '0.0"%"')
EXAMPLES = int(os.environ.get("DOLISA_HYPOTHESIS_EXAMPLES", "60"))


@pytest.fixture(scope="module")
def gate_project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("gate") / "project")
    layout = Layout(root=root, outputs=root / "outputs")
    saved = os.environ.get("DOLISA_ROOT")
    os.environ["DOLISA_ROOT"] = str(root)
    validate_year(YEAR - 1, layout)  # the comparison year's dataset, as a build leaves it
    originals = _Originals(
        {d: layout.workbook(YEAR, d).read_bytes() for d in ("labour", "social_protection")}
    )
    yield layout, originals
    if saved is None:
        os.environ.pop("DOLISA_ROOT", None)
    else:
        os.environ["DOLISA_ROOT"] = saved


class _Originals(dict):
    """The untouched workbooks' bytes (short repr: hypothesis prints the fixture on failure)."""

    def __repr__(self) -> str:
        return f"<workbooks {', '.join(self)}>"


def _number_text(x: float, style: str) -> str:
    text = f"{x:,.3f}".rstrip("0").rstrip(".")
    if style == "vn":  # 15.939,5
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text  # 15,939.5 (English style: refused as ambiguous, or read as Vietnamese)


numbers = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
number_text = st.builds(
    _number_text, st.floats(min_value=-1e16, max_value=1e16, allow_nan=False), st.sampled_from(["vn", "en"])
)
maybe_number = st.one_of(st.just(""), st.just("-"), number_text, numbers.map(str))
values = st.one_of(
    st.none(),
    st.sampled_from(
        ["", "  ", "-", "—", "NaN", "nan", "inf", "-inf", "N/A", "không", "mười lăm", "1e28", "1,5e3"]
    ),
    numbers,
    number_text,
    st.builds(
        lambda op, n: f"{op} {n}".strip(),
        st.sampled_from(["≥", ">=", "dưới", "từ", "tối thiểu", "<", "không quá"]),
        maybe_number,
    ),
    st.builds(
        lambda a, sep, b: f"{a}{sep}{b}", maybe_number, st.sampled_from(["–", "-", " đến "]), maybe_number
    ),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
    st.sampled_from(["=1/0", "=SUM(E7:E8)", "=A1*2"]),
)
cells = st.lists(
    st.tuples(st.integers(0, 8), st.sampled_from(KEYS), values, st.sampled_from(FORMATS)),
    min_size=1,
    max_size=4,
)


def fill(path: Path, original: bytes, edits) -> None:
    path.write_bytes(original)
    wb = openpyxl.load_workbook(path)
    ws = wb[C.SHEET_INDICATORS]
    for offset, key, value, fmt in edits:
        cell = ws[f"{C.COLUMN_BY_KEY[key].letter}{C.FIRST_ROW + offset}"]
        cell.value = value
        cell.number_format = fmt
    wb.save(path)


def run_cells(notebook: Path, parameters: dict) -> list[str]:
    """Execute the notebook's code cells here, parameters injected; return the HTML each cell displays."""
    nb = nbformat.read(str(notebook), as_version=4)
    namespace: dict = {}
    shown: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if "parameters" in cell.metadata.get("tags", []):
            source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(tree, "<cell>", "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
                if hasattr(value, "_repr_html_"):
                    shown.append(value._repr_html_() or "")
    return shown


NAN_WORD = re.compile(r"(?<![\w-])(nan|inf|-inf|NaN|None)(?![\w-])")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(domain=st.sampled_from(["labour", "social_protection"]), edits=cells)
@example(domain="labour", edits=[(0, "plan", "≥ -", "#,##0.###")])  # crashed the notebook before
@example(domain="labour", edits=[(0, "actual", 1e28, "#,##0.###")])  # crashed the notebook before
@example(domain="labour", edits=[(1, "plan", "dưới", "General")])
@example(domain="social_protection", edits=[(0, "actual", 0.668, "0.0%")])  # was printed as 0,7%
@example(domain="labour", edits=[(0, "actual", dt.datetime(2043, 8, 21), "dd/mm/yyyy")])
@example(domain="labour", edits=[(0, "target_next", "–1,5", "General")])
def test_what_validate_passes_the_report_prints(gate_project, domain, edits):
    layout, originals = gate_project
    fill(layout.workbook(YEAR, domain), originals[domain], edits)
    result = validate_year(YEAR, layout, domains=[domain])
    checked = result.domains[domain]
    if errors(checked.problems):
        assert not dataset.paths(layout, YEAR, domain)["indicators"].exists()
        with pytest.raises(dataset.DatasetError):
            dataset.load(YEAR, domain, layout)
        return
    html = "\n".join(run_cells(layout.notebook(domain), {"year": YEAR, "area": None}))
    text = re.sub(r"<[^>]+>|data:image/[^\"']+", " ", html)
    assert not NAN_WORD.search(text), NAN_WORD.search(text)


class _Edit:
    """A workbook of the gate project being edited: ``ws`` is its data sheet; ``validate()`` saves it and
    validates that domain."""

    def __init__(self, layout: Layout, domain: str, original: bytes):
        self.layout, self.domain = layout, domain
        self.wb = openpyxl.load_workbook(io.BytesIO(original))
        self.ws = self.wb[C.SHEET_INDICATORS]

    def validate(self):
        self.wb.save(self.layout.workbook(YEAR, self.domain))
        return validate_year(YEAR, self.layout, domains=[self.domain]).domains[self.domain]


@contextlib.contextmanager
def edited(gate_project, domain: str):
    """Edit one workbook of the shared gate project; the original is put back even when a test fails."""
    layout, originals = gate_project
    try:
        yield _Edit(layout, domain, originals[domain])
    finally:
        layout.workbook(YEAR, domain).write_bytes(originals[domain])


def test_a_fraction_in_a_percent_cell_is_read_as_excel_shows_it(gate_project):
    actual = C.COLUMN_BY_KEY["actual"].letter
    with edited(gate_project, "social_protection") as edit:
        ws = edit.ws
        row = next(
            r
            for r in range(C.FIRST_ROW, ws.max_row + 1)
            if ws[f"{C.COLUMN_BY_KEY['unit'].letter}{r}"].value == "%"
        )
        shown = ws[f"{actual}{row}"].value
        ws[f"{actual}{row}"].value = shown / 100
        ws[f"{actual}{row}"].number_format = "0.0%"
        checked = edit.validate()
    code = ws[f"A{row}"].value
    assert checked.indicators.set_index("code").at[code, "actual"] == pytest.approx(shown)
    assert any(p.kind == "percent_format" and p.cell == f"{actual}{row}" for p in checked.problems)


def test_hidden_rows_and_columns_with_data_get_a_warning(gate_project):
    with edited(gate_project, "labour") as edit:
        edit.ws.row_dimensions[C.FIRST_ROW + 1].hidden = True
        edit.ws.column_dimensions[C.COLUMN_BY_KEY["target_next"].letter].hidden = True
        checked = edit.validate()
    kinds = {(p.kind, p.cell) for p in checked.problems}
    assert ("hidden_row", f"A{C.FIRST_ROW + 1}") in kinds
    assert ("hidden_column", f"{C.COLUMN_BY_KEY['target_next'].letter}{C.HEADER_ROW}") in kinds
    assert checked.ok  # a warning, not an error


def test_plausibility_warnings_name_the_cell(gate_project):
    layout, _ = gate_project
    actual = C.COLUMN_BY_KEY["actual"].letter
    with edited(gate_project, "labour") as edit:
        ws = edit.ws
        codes = {ws[f"A{r}"].value: r for r in range(C.FIRST_ROW, ws.max_row + 1)}
        ws[f"{actual}{codes['LD03']}"].value = ws[f"{actual}{codes['LD03']}"].value * 10  # a zero too many
        checked = edit.validate()
    doubtful = [p for p in checked.problems if p.kind == "implausible"]
    assert any(p.cell == f"{actual}{codes['LD03']}" and "lần năm 2020" in p.message for p in doubtful), (
        doubtful
    )
    assert all(p.severity == "warning" for p in doubtful)
    shutil.rmtree(layout.processed_year(YEAR), ignore_errors=True)
