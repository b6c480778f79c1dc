"""Per-year parameters (``params/<year>.yaml``): organisation, units and areas of that year.

Vietnam's organisation changes (ministries merged in 2025, the district level abolished), so all of
it is data, validated here with pydantic.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import DOMAINS
from .paths import Layout


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organisation(_Strict):
    parent: str
    name: str
    short_name: str
    abbreviation: str


class Signatory(_Strict):
    title: str
    name: str
    illustrative: bool = False


class DomainInfo(_Strict):
    title: str
    unit: str


class Unit(_Strict):
    code: str
    name: str


class Area(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9_]+$")
    name: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


class Areas(_Strict):
    level: str
    level_label: str
    items: tuple[Area, ...] = ()

    def by_code(self, code: str) -> Area | None:
        return next((a for a in self.items if a.code == code), None)

    def by_name(self, name: str) -> Area | None:
        key = normalise(name)
        return next((a for a in self.items if normalise(a.name) == key or a.code == name.strip()), None)


class YearParams(_Strict):
    year: int
    comparison_year: int
    next_year: int
    province: str
    province_kind: str
    organisation: Organisation
    place: str
    report_date: dt.date
    signatory: Signatory
    domains: dict[str, DomainInfo]
    units: tuple[Unit, ...] = ()
    areas: Areas
    notes: str = ""

    @model_validator(mode="after")
    def _check(self) -> YearParams:
        missing = [d for d in DOMAINS if d not in self.domains]
        if missing:
            raise ValueError(f"thiếu mục 'domains' cho: {', '.join(missing)}")
        unknown = [d for d in self.domains if d not in DOMAINS]
        if unknown:
            raise ValueError(f"lĩnh vực không hợp lệ trong 'domains': {', '.join(unknown)}")
        codes = [a.code for a in self.areas.items]
        if len(codes) != len(set(codes)):
            raise ValueError("mã địa bàn bị trùng trong 'areas'")
        return self

    def domain_title(self, domain: str) -> str:
        return self.domains[domain].title


class ParamsError(ValueError):
    pass


def normalise(text: str) -> str:
    """Case- and space-insensitive comparison key, keeping Vietnamese letters (NFC)."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def slugify(text: str) -> str:
    """``'Thị xã Hương Thủy' -> 'thi-xa-huong-thuy'`` (đ → d), for file names."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@lru_cache(maxsize=32)
def _load(path: Path, mtime: float) -> YearParams:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path.name}: không đọc được YAML: {exc}") from None
    try:
        params = YearParams.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ParamsError(f"{path.name}: tham số không hợp lệ:\n  " + "\n  ".join(lines)) from None
    if params.year != int(path.stem):
        raise ParamsError(f"{path.name}: 'year: {params.year}' không khớp với tên tệp")
    return params


def load_params(year: int, layout: Layout | None = None) -> YearParams:
    path = (layout or Layout.default()).params_file(year)
    if not path.is_file():
        raise ParamsError(f"Chưa có tệp tham số năm {year}: {path}")
    return _load(path, path.stat().st_mtime)
