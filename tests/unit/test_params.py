"""Per-year parameters (params/<year>.yaml): the organisation, units and areas of each year are data."""

from __future__ import annotations

import shutil
import unicodedata

import pytest
import yaml
from conftest import REPO

from dolisa_reports import DOMAINS
from dolisa_reports.inputs.params import ParamsError, load_params, normalise
from dolisa_reports.paths import Layout

REPO_LAYOUT = Layout(REPO, REPO / "outputs")


@pytest.mark.parametrize("year", [2020, 2021, 2026])
def test_bundled_years_load(year):
    params = load_params(year, REPO_LAYOUT)
    assert params.year == year
    assert (params.comparison_year, params.next_year) == (year - 1, year + 1)
    assert set(params.domains) == set(DOMAINS)
    assert params.report_date.year == year
    assert params.areas.items
    assert len({a.code for a in params.areas.items}) == len(params.areas.items)


def test_organisation_changes_between_years():
    y2021, y2026 = load_params(2021, REPO_LAYOUT), load_params(2026, REPO_LAYOUT)
    assert y2021.province_kind == "tỉnh" and y2021.province == "Thừa Thiên Huế"
    assert y2021.areas.level == "huyện" and len(y2021.areas.items) == 9
    assert y2026.province_kind == "thành phố" and y2026.province == "Huế"
    assert y2026.areas.level == "xã"
    assert y2021.organisation.name != y2026.organisation.name
    assert y2021.domain_title("labour") == "Lao động – Việc làm"


def test_area_lookup_by_name_or_code():
    areas = load_params(2021, REPO_LAYOUT).areas
    assert areas.by_name("Thành phố Huế").code == "TP_HUE"
    assert areas.by_name("  thành phố   HUẾ ").code == "TP_HUE"  # case and spaces do not matter
    decomposed = unicodedata.normalize("NFD", "Huyện Phú Lộc")  # accents as separate marks
    assert areas.by_name(decomposed).code == "H_PHU_LOC"
    assert areas.by_name("TX_HUONG_THUY").name == "Thị xã Hương Thủy"
    assert areas.by_name("Huyện Hương Điền") is None
    assert areas.by_code("H_A_LUOI").name == "Huyện A Lưới"
    assert areas.by_code("XX") is None


def test_normalise():
    assert normalise("  Thị xã  HƯƠNG Thủy ") == normalise("thị xã hương thủy")


@pytest.fixture
def params_dir(tmp_path) -> Layout:
    shutil.copytree(REPO / "params", tmp_path / "params")
    return Layout(tmp_path, tmp_path / "outputs")


def _write_year(layout: Layout, year: int, change) -> None:
    data = yaml.safe_load((layout.params_dir / "2021.yaml").read_text(encoding="utf-8"))
    change(data)
    layout.params_file(year).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_new_year_from_a_copy(params_dir):
    def change(d):
        d.update(year=2023, comparison_year=2022, next_year=2024, report_date="2023-12-10")

    _write_year(params_dir, 2023, change)
    assert load_params(2023, params_dir).report_date.isoformat() == "2023-12-10"


def _drop_inspection(d):
    del d["domains"]["inspection"]


def _unknown_domain(d):
    d["domains"]["tourism"] = {"title": "Du lịch", "unit": "Phòng Du lịch"}


def _duplicate_area(d):
    d["areas"]["items"].append(dict(d["areas"]["items"][0]))


def _unknown_key(d):
    d["provnce"] = "Huế"


def _bad_area_code(d):
    d["areas"]["items"][0]["code"] = "tp huế"


def _bad_date(d):
    d["report_date"] = "10/12/2021"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop_inspection, "thiếu mục 'domains' cho: inspection"),
        (_unknown_domain, "lĩnh vực không hợp lệ trong 'domains': tourism"),
        (_duplicate_area, "bị trùng trong 'areas'"),
        (_unknown_key, "provnce"),
        (_bad_area_code, "areas.items.0.code"),
        (_bad_date, "report_date"),
    ],
)
def test_bad_params_are_refused_in_vietnamese(params_dir, change, message):
    _write_year(params_dir, 2021, change)
    with pytest.raises(ParamsError) as info:
        load_params(2021, params_dir)
    text = str(info.value)
    assert text.startswith("params/2021.yaml: tham số không hợp lệ:")
    assert message in text


def test_year_must_match_the_file_name(params_dir):
    shutil.copy(params_dir.params_file(2021), params_dir.params_file(2023))
    with pytest.raises(ParamsError, match=r"2023\.yaml: 'year: 2021' không khớp với tên tệp"):
        load_params(2023, params_dir)


def test_missing_and_unreadable_files(params_dir):
    with pytest.raises(ParamsError, match="Chưa có tệp tham số năm 2019"):
        load_params(2019, params_dir)
    params_dir.params_file(2022).write_text("year: [2022\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"params/2022.yaml, dòng \d+: không đọc được YAML"):
        load_params(2022, params_dir)
