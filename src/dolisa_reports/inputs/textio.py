"""Reading the text files analysts edit (params YAML, narratives, the catalogue CSV) as Windows tools save them.

What can be read without guessing is read: UTF-8, UTF-8 with a byte-order mark (Notepad, Excel's
"CSV UTF-8"), UTF-16 with a BOM (Excel's "Unicode Text", Notepad's "Unicode") and UTF-16 without one when
the file is plainly UTF-16 (every other byte of its ASCII text is zero). Anything else — cp1258 (Windows
Vietnamese), TCVN3, VNI, cp1252 — is refused with one Vietnamese message naming the file and how to save
it, because those legacy code pages cannot be told apart reliably on a short text, and a wrong guess would
silently change the diacritics of a published report.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..problems import UserError

HOW_TO_SAVE = {
    ".yaml": "mở bằng Notepad, chọn File › Save As…, mục Encoding chọn 'UTF-8' rồi lưu",
    ".md": "mở bằng Notepad, chọn File › Save As…, mục Encoding chọn 'UTF-8' rồi lưu",
    ".csv": "trong Excel chọn File › Save As…, kiểu tệp 'CSV UTF-8 (Comma delimited) (*.csv)'",
}


class TextFileError(UserError):
    """A text file that cannot be read unambiguously (the message says which and how to save it)."""


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) == 0:
        codec = "utf-16-le"
    elif even.count(0) > 0.3 * len(even) and odd.count(0) == 0:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def decode(data: bytes) -> str | None:
    """The text of ``data`` when its encoding is unambiguous, else None. Line ends become ``\\n``."""
    text = None
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            return None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _utf16_without_bom(data)
            if text is None:
                return None
    if "\x00" in text:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, display: str | None = None) -> str:
    """The file's text, or :class:`TextFileError` in Vietnamese naming ``display`` (the relative path)."""
    path = Path(path)
    display = display or path.name
    try:
        data = path.read_bytes()
    except OSError:
        raise TextFileError(
            f"{display}: không mở được tệp: hãy đóng tệp nếu đang mở trong chương trình khác và kiểm tra "
            "quyền đọc"
        ) from None
    text = decode(data)
    if text is None:
        how = HOW_TO_SAVE.get(path.suffix.lower(), "hãy lưu lại tệp với bảng mã UTF-8")
        raise TextFileError(
            f"{display}: tệp không được lưu bằng bảng mã UTF-8 (có thể là Windows-1258, TCVN3 hay VNI): {how}"
        )
    return text
