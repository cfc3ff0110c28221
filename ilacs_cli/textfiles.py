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


def read_text(path: Path, limit: int) -> str:
    """The text of the file at `path` (decode): a regular file of at most `limit` bytes, so that a link to
    /dev/zero or a 24 GB file is refused before it is read. OSError when it cannot be read, NotText when it is
    not such a file or not text."""
    import stat

    path = Path(path)
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise NotText("it is not a regular file (a device, a pipe or a folder): give a file saved on disk")
    with path.open("rb") as file:
        data = file.read(limit + 1)  # a file that grows while read is still bounded
    if len(data) > limit or info.st_size > limit:
        raise NotText(f"it is {max(len(data), info.st_size):,} bytes, more than the {limit:,} ilacs reads")
    return decode(data)


def parse_json(text: str) -> object:
    """`text` as JSON; NotText for JSON nested too deeply or holding a number too long to be one (Python refuses
    more than 4,300 digits), json.JSONDecodeError for text that is not JSON."""
    import json

    try:
        return json.loads(text)
    except RecursionError:
        raise NotText("it is nested too deeply to be a file ilacs wrote") from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # int's digit limit (sys.get_int_max_str_digits)
        raise NotText("it holds a number of more than 4,300 digits, which no file ilacs wrote has") from None


def parse_toml(text: str) -> dict:
    """`text` as TOML; NotText for TOML nested too deeply, tomllib.TOMLDecodeError for text that is not TOML."""
    import tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        raise NotText("it is nested too deeply to be a seed or settings file") from None
