"""The one exception type users see, and how a message or a terminal shows text a user gave."""


class IlacsError(Exception):
    """A problem the user can fix; the message names it and the fix."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class DeliveryError(Exception):
    """An e-mail that could not be sent; `fatal` when the server is gone and later ones would fail too."""

    def __init__(self, message: str, fatal: bool):
        super().__init__(message)
        self.fatal = fatal


def visible(value: object) -> str:
    """`value`'s text with every control character (ESC, CR, BEL, C1 codes...) written as a visible escape, so that
    no text from a plan, a seed, a spreadsheet or an argument can move the cursor, clear a terminal or set its
    title when shown; other text, accents and all, as it is."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        char
        if char.isprintable() or char == " "
        else f"\\x{ord(char):02x}"
        if ord(char) < 256
        else f"\\u{ord(char):04x}"
        for char in text
    )


def visible_lines(text: str) -> str:
    """`text` (a page, a calendar) with its control characters (ESC, BEL, the C1 codes...) made visible as `visible`
    does, but its tabs and line breaks kept: what reaches a terminal when a file's contents go to stdout."""
    import re

    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", lambda found: visible(found.group()), text)


def quoted(value: str, limit: int = 80) -> str:
    """`value` as a message quotes it: visible, and at most its first `limit` characters."""
    return visible(value[:limit]) + ("…" if len(value) > limit else "")
