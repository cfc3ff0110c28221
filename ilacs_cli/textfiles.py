"""Text files users give ilacs (config, seed, secret and password files, a restore's JSON), read as the tools that
made them write them: UTF-8 with or without a byte-order mark (Notepad and PowerShell 7 add one), or UTF-16 with
one (PowerShell 5.1's `>` and `Out-File`). The one home of how such a file's bytes become text; spreadsheets have
their own rules (exchange/sheets.py: CSV from Excel may also be Windows-1252)."""

import codecs
from pathlib import Path

_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class NotText(ValueError):
    """The file's bytes are not text in an encoding ilacs reads; str() says which and how to fix it."""


def decode(data: bytes) -> str:
    """`data` as text: UTF-16 when it starts with UTF-16's byte-order mark, else UTF-8 (a leading mark dropped)."""
    if data.startswith(_UTF16):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise NotText("it starts as UTF-16 text but is not: save it as UTF-8") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotText(
            f"it is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start:,}): "
            "save it as UTF-8 (Notepad: Save as, Encoding UTF-8)"
        ) from None


def read_text(path: Path) -> str:
    """The text of the file at `path` (decode); OSError when it cannot be read, NotText when it is not text."""
    return decode(Path(path).read_bytes())
