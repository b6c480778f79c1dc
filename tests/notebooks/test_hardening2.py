"""Hardening, round 2: a fresh machine, a broken environment or a broken build state never costs a report.

One section per class of fault (the numbers of the issue). Each asserts the Vietnamese message (the file
named, no traceback, no Python source or class name, no absolute path of this machine) and that the last
good outputs are intact. Faults that need the machine itself (a library hidden, a full disk, a read-only
folder) run in a private mount namespace (``unshare -m``, as root) so nothing outside the test sees them.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest
from conftest import REPO, run_build

from dolisa_reports import DOMAINS
from dolisa_reports.paths import Layout

PYTHON = sys.executable
RUN_ALL = str(REPO / "run_all.py")
INSPECTION_HTML = ("--year", "2021", "--domain", "inspection", "--format", "html")  # one cheap report
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Refused|Failed)\b")


def assert_for_people(text: str, layout: Layout | None = None) -> None:
    """What a user sees: no traceback, no class name, no Python source, no absolute path of this machine."""
    assert "Traceback" not in text, text
    assert "Logging error" not in text, text
    assert not CLASS_NAME.search(text), text
    assert not re.search(r"^\s*(def |import |from \S+ import )", text, re.MULTILINE), text
    assert "r.load(" not in text and "ctx = " not in text, text
    if layout is not None:
        assert str(layout.root) not in text, text
    assert str(REPO) not in text, text


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(
    layout: Layout, *args: str, env: dict | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """``python run_all.py ARGS`` in a fresh process, as a user would type it (from the project folder)."""
    full_env = {**os.environ, "DOLISA_ROOT": str(layout.root), "PYTHONDONTWRITEBYTECODE": "1"}
    full_env.pop("DOLISA_OUTPUTS", None)
    full_env.update(env or {})
    full_env = {k: v for k, v in full_env.items() if v is not None}
    return subprocess.run(
        [PYTHON, RUN_ALL, *args],
        cwd=layout.root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def can_unshare() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


needs_namespace = pytest.mark.skipif(
    not can_unshare(), reason="needs root and a private mount namespace (unshare -m)"
)


def in_namespace(script: str, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace: its mounts vanish with it."""
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-ec", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- 1. byte-identical PDFs without HarfBuzz-Subset --------------------------------------------------


def harfbuzz_subset_files() -> list[str]:
    found = set()
    for pattern in (
        "/usr/lib/*/libharfbuzz-subset.so*",
        "/usr/lib/libharfbuzz-subset.so*",
        "/lib/*/libharfbuzz-subset.so*",
    ):
        found.update(os.path.realpath(p) for p in glob.glob(pattern))
    return sorted(found)


def hide_harfbuzz_subset() -> str:
    """Shell lines that hide every copy of the library from the processes of the namespace."""
    return "\n".join(f"mount --bind /dev/null '{path}'" for path in harfbuzz_subset_files())


@pytest.mark.slow
def test_two_builds_give_identical_pdfs_without_harfbuzz_subset(project, tmp_path):
    if harfbuzz_subset_files() and not can_unshare():
        pytest.skip("libharfbuzz-subset is installed and cannot be hidden (needs root and unshare -m)")
    a, b = tmp_path / "a", tmp_path / "b"
    check = (
        f"{PYTHON} -c 'from weasyprint.text.ffi import harfbuzz_subset as h; "
        'print("harfbuzz-subset:", "missing" if h is None else "present")\''
    )
    build = f"{PYTHON} {RUN_ALL} --year 2021 --domain labour --format html,pdf"
    script = textwrap.dedent(
        f"""
        {hide_harfbuzz_subset()}
        {check}
        {build} --outputs '{a}'
        sleep 1.2  # fontTools stamps whole seconds: a second apart, the clock would show
        {build} --outputs '{b}'
        """
    )
    env = {"DOLISA_ROOT": str(project.root), "SOURCE_DATE_EPOCH": ""}
    if harfbuzz_subset_files():
        done = in_namespace(script, env)
    else:  # a fresh machine: the library is not there at all
        done = subprocess.run(
            ["sh", "-ec", script], env={**os.environ, **env}, capture_output=True, text=True
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "harfbuzz-subset: missing" in done.stdout, done.stdout
    pdf_a, pdf_b = a / "2021" / "labour.pdf", b / "2021" / "labour.pdf"
    assert pdf_a.read_bytes()[:4] == b"%PDF"
    assert pdf_a.read_bytes() == pdf_b.read_bytes(), "PDFs differ without HarfBuzz-Subset"


def test_the_pdf_engine_is_given_the_build_time(monkeypatch, tmp_path):
    """fontTools reads SOURCE_DATE_EPOCH: it is set to the build time while the PDF is made, then restored."""
    from dolisa_reports.pipeline import pdf as pdfmod

    seen = {}

    def fake_write(html, base_url, epoch=None):
        with pdfmod._source_date(epoch):
            seen["during"] = os.environ.get("SOURCE_DATE_EPOCH")
        return b"%PDF-1.7 fake"

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(pdfmod, "_weasyprint_pdf", fake_write)
    pdfmod.html_to_pdf("<p>x</p>", tmp_path / "2021" / "x.pdf", engine="weasyprint", epoch=1640131200)
    assert seen["during"] == "1640131200"
    assert "SOURCE_DATE_EPOCH" not in os.environ


# -- 2. one unreadable workbook fails that file only ------------------------------------------------


def replace_with_chart_sheet(path: Path, sheet: str = "Chỉ tiêu") -> None:
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.load_workbook(path)
    index = wb.sheetnames.index(sheet)
    data_ws = wb.create_sheet("Dữ liệu biểu đồ")
    data_ws.append([1])
    data_ws.append([2])
    wb.remove(wb[sheet])
    chart = BarChart()
    chart.add_data(Reference(data_ws, min_col=1, min_row=1, max_row=2))
    cs = wb.create_chartsheet(sheet, index)
    cs.add_chart(chart)
    wb.save(path)


def test_a_chart_sheet_in_place_of_the_data_sheet_fails_that_file_only(project, capsys):
    replace_with_chart_sheet(project.workbook(2021, "labour"))
    assert run_build(project, "validate", "--year", "2021") == 1
    out = capsys.readouterr().out
    assert "labour.xlsx › Chỉ tiêu: 'Chỉ tiêu' là trang biểu đồ (chart sheet)" in out
    assert_for_people(out, project)
    status = json.loads((project.processed_year(2021) / "validation.json").read_text(encoding="utf-8"))
    assert not status["labour"]["ok"]
    assert all(status[d]["ok"] for d in DOMAINS if d != "labour")


def test_any_exception_while_reading_a_workbook_is_an_error_for_that_file(project, monkeypatch):
    from dolisa_reports.inputs import ingest
    from dolisa_reports.inputs.validate import validate_year

    real = ingest._read_indicators

    def explode(raw, reader, catalogue):
        if raw.domain == "labour":
            raise IndexError("tuple index out of range")
        return real(raw, reader, catalogue)

    monkeypatch.setattr(ingest, "_read_indicators", explode)
    result = validate_year(2021, project)
    labour = result.domains["labour"]
    assert not labour.ok
    assert [p.kind for p in labour.problems] == ["unreadable"]
    assert "labour.xlsx: không đọc được nội dung tệp" in str(labour.problems[0])
    assert all(result.domains[d].ok for d in DOMAINS if d != "labour")


@pytest.mark.slow
def test_a_chart_sheet_workbook_does_not_stop_the_other_reports(project):
    replace_with_chart_sheet(project.workbook(2021, "labour"))
    done = cli(project, "--year", "2021", "--domain", "labour", "--domain", "inspection", "--format", "html")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert (project.outputs / "2021" / "inspection.html").is_file()
    assert not (project.outputs / "2021" / "labour.html").exists()
    assert "trang biểu đồ" in out
    assert_for_people(out, project)


# -- 3. an unusable SOURCE_DATE_EPOCH -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   ", "abc", "1.5", "-5", "99999999999999999", "١٢٣"])
def test_an_unusable_source_date_epoch_is_removed_with_one_warning(value):
    from dolisa_reports.pipeline.clock import resolve, sanitise_environment

    env = {"SOURCE_DATE_EPOCH": value, "PATH": "/bin"}
    warning = sanitise_environment(env)
    assert warning is not None and warning.startswith("[CẢNH BÁO] SOURCE_DATE_EPOCH=")
    assert "SOURCE_DATE_EPOCH" not in env  # never handed on to a kernel
    assert sanitise_environment(env) is None  # one warning, not one per use
    assert resolve([]).source in ("clock", "inputs", "git", "SOURCE_DATE_EPOCH")


def test_a_usable_source_date_epoch_is_kept():
    from dolisa_reports.pipeline.clock import sanitise_environment

    env = {"SOURCE_DATE_EPOCH": " 1640131200 "}
    assert sanitise_environment(env) is None
    assert env["SOURCE_DATE_EPOCH"] == "1640131200"


@pytest.mark.slow
def test_a_build_with_an_empty_source_date_epoch_does_not_hang(project):
    done = cli(
        project,
        *INSPECTION_HTML,
        env={"SOURCE_DATE_EPOCH": "abc"},
        timeout=120,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert out.count("SOURCE_DATE_EPOCH='abc'") == 1, out
    assert "thử lại" not in out and "retry" not in out
    log = (project.outputs / "build.log").read_text(encoding="utf-8")
    assert "kernel did not start" not in log
    assert_for_people(done.stdout, project)


# -- 4. files saved by Windows tools --------------------------------------------------------------------


def test_params_in_a_legacy_encoding_is_one_vietnamese_message(project):
    path = project.params_file(2021)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1258", errors="replace"))
    for args in (("validate", "--year", "2021"), ("--year", "2021", "--format", "html")):
        done = cli(project, *args)
        out = done.stdout + done.stderr
        assert done.returncode == 1, out
        assert "params/2021.yaml: tệp không được lưu bằng bảng mã UTF-8" in out, out
        assert "Encoding chọn 'UTF-8'" in out
        assert_for_people(out, project)


def test_params_with_a_bom_and_windows_line_ends_is_read(project):
    from dolisa_reports.inputs.params import load_params

    path = project.params_file(2021)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert load_params(2021, project).organisation.name.startswith("SỞ LAO ĐỘNG")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_a_narrative_in_unicode_is_read(project, encoding):
    from dolisa_reports.inputs.narrative import load_narrative

    path = project.narrative(2021, "labour")
    original = load_narrative(path)
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    assert load_narrative(path).sections == original.sections


def test_a_narrative_in_cp1258_fails_validate_not_the_build(project, capsys):
    path = project.narrative(2021, "labour")
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1258", errors="replace"))
    assert run_build(project, "validate", "--year", "2021") == 1
    out = capsys.readouterr().out
    assert "[LỖI] narrative/labour.md: tệp không được lưu bằng bảng mã UTF-8" in out
    assert_for_people(out, project)


def catalogue_as_excel_saves_it(text: str) -> str:
    """What Excel in a Vietnamese locale writes: ';' separators, quoted where needed, empty lines at the end."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue() + ";" * (len(rows[0]) - 1) + "\r\n" + "\r\n"


def test_a_catalogue_saved_by_excel_reads_the_same(project):
    from dolisa_reports.inputs.catalogue import load_catalogue

    original = list(load_catalogue(project))
    path = project.catalogue
    path.write_bytes(b"\xef\xbb\xbf" + catalogue_as_excel_saves_it(path.read_text(encoding="utf-8")).encode())
    assert list(load_catalogue(project)) == original


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (
            lambda t: t.encode("cp1258", errors="replace"),
            "params/catalogue.csv: tệp không được lưu bằng bảng mã UTF-8",
        ),
        (
            lambda t: "\n".join([*t.splitlines()[:3], "LD99,labour,9", *t.splitlines()[3:]]).encode(),
            "params/catalogue.csv, dòng 4: có 3 cột, cần 16 cột",
        ),
        (
            lambda t: t.replace("value_decimals", "decimals", 1).encode(),
            "params/catalogue.csv, dòng 1: thiếu cột value_decimals",
        ),
        (
            lambda t: t.replace(",labour,1,", ",labour,một,", 1).encode(),
            "params/catalogue.csv, dòng 2: cột 'order'",
        ),
    ],
)
def test_a_broken_catalogue_is_one_message_naming_the_line(project, mangle, message):
    path = project.catalogue
    path.write_bytes(mangle(path.read_text(encoding="utf-8")))
    done = cli(project, "validate", "--year", "2021")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert message in out, out
    assert_for_people(out, project)


def test_text_decoding_is_unambiguous_or_refused():
    from dolisa_reports.inputs.textio import decode

    text = "Sở Lao động – Thương binh và Xã hội\n"
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode(text.encode("utf-16")) == text
    assert decode(text.encode("utf-16-be")) == text
    assert decode(text.replace("\n", "\r\n").encode("utf-8")) == text
    assert decode(text.encode("cp1258", errors="replace")) is None
    assert decode("Thanh tra tỉnh năm 2021".encode("cp1258", errors="replace")) is None


# -- 5. broken build state ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """inspection 2021 built once (HTML); tests copy it before breaking it."""
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("built-once") / "project")
    layout = Layout(root=root, outputs=root / "outputs")
    done = cli(layout, *INSPECTION_HTML)
    assert done.returncode == 0, done.stdout + done.stderr
    return layout


@pytest.fixture
def built(built_once, tmp_path) -> Layout:
    root = tmp_path / "project"
    shutil.copytree(built_once.root, root, symlinks=True)
    return Layout(root=root, outputs=root / "outputs")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("manifest.json", {"version": 1, "tasks": ["2021/inspection"]}),
        ("manifest.json", {"version": 1, "tasks": {"2021/inspection": {"inputs": [], "outputs": 3}}}),
        ("manifest.json", [1, 2, 3]),
        ("status.json", {"reports": [1, 2]}),
        ("status.json", {"reports": {"2021/inspection": {"key": "x", "year": "2021", "kind": 5}}}),
        ("status.json", "hello"),
    ],
)
def test_a_wrong_shaped_state_file_is_a_warning_and_a_fresh_start(built, name, content):
    (built.outputs / name).write_text(json.dumps(content), encoding="utf-8")
    done = cli(built, *INSPECTION_HTML)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert f"[CẢNH BÁO] {name} hỏng hoặc sai cấu trúc" in out
    assert_for_people(out, built)
    assert (built.outputs / "2021" / "inspection.html").is_file()
    again = cli(built, *INSPECTION_HTML)
    assert again.returncode == 0 and "hỏng" not in again.stdout  # the file was rewritten in shape


@pytest.mark.slow
def test_a_second_build_on_the_same_outputs_waits_then_refuses(built):
    from filelock import FileLock

    before = sha(built.outputs / "2021" / "inspection.html")
    holder = subprocess.Popen(
        [
            PYTHON,
            "-c",
            "import sys, time; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); print('held', flush=True); time.sleep(60)",
            str(built.outputs / ".build.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        done = cli(
            built,
            *INSPECTION_HTML,
            "--force",
            env={"DOLISA_LOCK_WAIT": "1"},
        )
    finally:
        holder.kill()
        holder.wait()
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "đang được một lần lập báo cáo khác sử dụng" in out
    assert_for_people(out, built)
    assert sha(built.outputs / "2021" / "inspection.html") == before
    assert FileLock(str(built.outputs / ".build.lock")).acquire(timeout=1)  # released with its holder


@pytest.mark.slow
@needs_namespace
def test_a_full_disk_is_one_message_and_the_last_good_reports_stay(built, tmp_path):
    out_dir = built.outputs
    saved = tmp_path / "saved"
    shutil.copytree(out_dir, saved)
    before = sha(saved / "2021" / "inspection.html")
    script = textwrap.dedent(
        f"""
        mount -t tmpfs -o size=40m tmpfs '{out_dir}'
        cp -a '{saved}/.' '{out_dir}/'
        # fill the disk, leaving a little room
        dd if=/dev/zero of='{out_dir}/filler' bs=1M count=36 status=none 2>/dev/null || true
        {PYTHON} {RUN_ALL} --year 2021 --domain inspection --format html --force > '{tmp_path}/out.txt' 2>&1 || echo "rc=$?" >> '{tmp_path}/out.txt'
        rm -f '{out_dir}/filler'
        sha256sum '{out_dir}/2021/inspection.html' > '{tmp_path}/sha.txt'
        find '{out_dir}' -name '*.tmp' -o -name '.work' > '{tmp_path}/leftovers.txt'
        """
    )
    done = in_namespace(script, {"DOLISA_ROOT": str(built.root)})
    assert done.returncode == 0, done.stdout + done.stderr
    out = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "rc=1" in out, out
    assert "[LỖI] ổ đĩa chứa thư mục outputs" in out, out
    assert_for_people(out, built)
    assert (tmp_path / "sha.txt").read_text().split()[0] == before
    assert (tmp_path / "leftovers.txt").read_text().strip() == ""


@pytest.mark.slow
@needs_namespace
def test_a_read_only_outputs_folder_is_one_message(built, tmp_path):
    out_dir = built.outputs
    before = sha(out_dir / "2021" / "inspection.html")
    script = textwrap.dedent(
        f"""
        mount --bind '{out_dir}' '{out_dir}'
        mount -o remount,bind,ro '{out_dir}'
        {PYTHON} {RUN_ALL} --year 2021 --domain inspection --format html --force > '{tmp_path}/out.txt' 2>&1 || echo "rc=$?" >> '{tmp_path}/out.txt'
        """
    )
    done = in_namespace(script, {"DOLISA_ROOT": str(built.root)})
    assert done.returncode == 0, done.stdout + done.stderr
    out = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert "rc=1" in out, out
    assert "[LỖI] thư mục outputs chỉ cho phép đọc" in out, out
    assert_for_people(out, built)
    assert sha(out_dir / "2021" / "inspection.html") == before


def test_a_disk_that_fills_during_the_build_is_one_message(project, monkeypatch, capsys):
    import errno

    from dolisa_reports.pipeline import index_page

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(index_page, "write_index", full)
    monkeypatch.setenv("DOLISA_LOCK_WAIT", "5")
    # nothing to build (a year whose reports are planned but no domain to run): only the index is written
    assert run_build(project, *INSPECTION_HTML, "--jobs", "1") == 1
    out = capsys.readouterr().out
    assert "[LỖI] ổ đĩa chứa thư mục outputs đã đầy" in out
    assert_for_people(out, project)


def test_a_failed_atomic_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    import errno

    from dolisa_reports import atomic

    target = tmp_path / "report.html"
    target.write_text("last good", encoding="utf-8")

    def no_room(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", no_room)
    with pytest.raises(OSError):
        atomic.atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "last good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX process ids")
def test_socket_folders_of_a_killed_build_are_reclaimed(tmp_path):
    from dolisa_reports.pipeline import sockets

    dead = subprocess.Popen([PYTHON, "-c", "pass"])
    dead.wait()
    stale = tmp_path / (sockets.PREFIX + "stale")
    stale.mkdir()
    (stale / sockets.OWNER).write_text(str(dead.pid))
    (stale / "k-1").write_text("")
    alive = tmp_path / (sockets.PREFIX + "alive")
    alive.mkdir()
    (alive / sockets.OWNER).write_text(str(os.getpid()))
    orphan = tmp_path / (sockets.PREFIX + "old")
    orphan.mkdir()
    os.utime(orphan, (1, 1))  # an old folder of a build before owner files: no owner, long ago
    assert sockets.reclaim(tmp_path) == 2
    assert not stale.exists() and not orphan.exists() and alive.exists()


# -- 6. per-area folders --------------------------------------------------------------------------------


def _areas_params(project: Layout, items: list[tuple[str, str]]) -> None:
    import yaml

    path = project.params_file(2021)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["areas"]["items"] = [{"code": c, "name": n} for c, n in items]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_area_folders_are_unique_and_stable(project):
    from dolisa_reports.inputs.params import load_params

    _areas_params(project, [("PHU_LOC", "Huyện Phú Lộc"), ("PHU_LOC_2", "Huyện Phù Lộc"), ("KH", "ཀཁག")])
    params = load_params(2021, project)
    slugs = [a.slug for a in params.areas.items]
    assert slugs == ["phu_loc", "phu_loc_2", "kh"]
    assert len(set(slugs)) == len(slugs)


def test_two_areas_with_the_same_name_are_a_params_error_naming_both(project):
    from dolisa_reports.inputs.params import ParamsError, load_params

    _areas_params(project, [("A1", "Huyện Phú Lộc"), ("A2", "huyện  phú lộc")])
    with pytest.raises(ParamsError) as info:
        load_params(2021, project)
    assert "'Huyện Phú Lộc' (A1) và 'huyện  phú lộc' (A2)" in str(info.value)


# -- 7. a mistyped year ---------------------------------------------------------------------------------


def test_a_mistyped_year_prints_one_line_and_writes_nothing(project):
    shutil.rmtree(project.outputs)
    done = cli(project, "--year", "2023")
    assert done.returncode == 1
    assert done.stdout == "[LỖI] chưa có tham số/số liệu năm 2023 (params/2023.yaml, data/raw/2023/)\n"
    assert done.stderr == ""
    assert not project.outputs.exists()


def test_a_folder_with_only_an_excel_lock_file_is_not_a_year_with_data(project):
    folder = project.raw_year(2024)
    folder.mkdir()
    (folder / "~$labour.xlsx").write_bytes(b"\x00" * 165)
    assert 2024 not in project.years_with_data()
    assert not project.has_data(2024)
    done = cli(project, "validate", "--year", "2024")
    assert done.returncode == 1 and "chưa có tham số/số liệu năm 2024" in done.stdout


# -- 8. links -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "file:///etc/passwd",
        "#top",
        "//evil.example/x",
        "http:///etc/passwd",
        "C:\\Windows\\win.ini",
    ],
)
def test_only_absolute_web_and_mail_links_survive(link):
    from dolisa_reports.inputs.narrative import render_markdown

    html = render_markdown(f"[tài liệu]({link}) và <{link}>")
    assert "href" not in html, html
    assert "tài liệu" in html


def test_web_and_mail_links_are_kept():
    from dolisa_reports.inputs.narrative import render_markdown

    html = render_markdown("[Cổng](https://molisa.gov.vn/a?b=1) [thư](mailto:vp@example.vn)")
    assert 'href="https://molisa.gov.vn/a?b=1"' in html and 'href="mailto:vp@example.vn"' in html


@pytest.mark.slow
def test_no_file_link_reaches_the_pdf(project):
    import pypdf

    path = project.narrative(2021, "inspection")
    path.write_text(
        path.read_text(encoding="utf-8")
        + "\n\nXem [mật khẩu](../../etc/passwd), [tệp](file:///etc/passwd) và [cổng](https://example.vn/).\n",
        encoding="utf-8",
    )
    done = cli(project, "--year", "2021", "--domain", "inspection", "--format", "html,pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    uris = []
    for page in pypdf.PdfReader(project.outputs / "2021" / "inspection.pdf").pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris and all(u.startswith(("http://", "https://", "mailto:")) for u in uris), uris
    html = (project.outputs / "2021" / "inspection.html").read_text(encoding="utf-8")
    assert "etc/passwd" not in html.split("mật khẩu")[0][-200:]


# -- 9. command line -----------------------------------------------------------------------------------


def test_repeated_options_add_up():
    from dolisa_reports.cli import build_parser

    args = build_parser().parse_args(
        ["--domain", "labour", "--domain", "inspection", "--year", "2020", "--year", "2021"]
    )
    assert args.domain == ["labour", "inspection"] and args.year == [2020, 2021]
    args = build_parser().parse_args(["validate", "--domain", "labour,inspection", "--domain", "labour"])
    assert args.domain == ["labour", "inspection", "labour"]  # de-duplicated by the commands


def test_a_partial_validate_keeps_every_domains_processed_data(project, capsys):
    import pandas as pd

    assert run_build(project, "validate", "--year", "2021") == 0
    folder = project.processed_year(2021)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert run_build(project, "validate", "--year", "2021", "--domain", "labour") == 0
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert after == before
    table = pd.read_csv(folder / "indicators.csv")
    assert set(table["domain"]) == set(DOMAINS)


def test_outputs_pointing_at_a_file_is_a_message(project):
    done = cli(project, "--year", "2021", "--outputs", "params/catalogue.csv")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "[LỖI] params/catalogue.csv là một tệp, không phải thư mục" in out
    assert_for_people(out, project)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Lao động: việc làm [2021]", "Lao động việc làm 2021"),
        ("'Trích dẫn'", "Trích dẫn"),
        ("History", "History (1)"),
        ("a/b\\c?d*e", "a b c d e"),
        ("   ", "Trang"),
        ("Giáo dục nghề nghiệp, đào tạo, bồi dưỡng và giải quyết việc làm", "Giáo dục nghề nghiệp"),
    ],
)
def test_appendix_sheet_names_are_what_excel_allows(title, expected):
    from dolisa_reports.presentation.appendix import SHEET_NAME_MAX, sheet_name

    name = sheet_name(title, set())
    assert name == " ".join(expected.split())
    assert 0 < len(name) <= SHEET_NAME_MAX and not re.search(r"[\[\]:*?/\\]", name)
    assert not name.startswith("'") and not name.endswith("'")


def test_a_failing_notebook_names_no_source_or_class(project):
    from dolisa_reports.pipeline.execute import CellFailure

    program_fault = CellFailure(2, 3, "KeyError", "'LD01'", "ctx = r.load('labour', year)\nx = 1")
    text = program_fault.describe()
    assert "ô mã thứ 3" in text and "outputs/build.log" in text
    assert_for_people(text)
    analyst_fault = CellFailure(
        1, 2, "ReportDataError", "Số liệu lĩnh vực labour năm 2021 có lỗi\n[LỖI] …", ""
    )
    assert analyst_fault.describe() == "Số liệu lĩnh vực labour năm 2021 có lỗi …"
