"""Names and e-mail addresses as users type them, checked so that none can smuggle a mail header; and who is
making a change."""

from __future__ import annotations

from ilacs_cli.errors import IlacsError


def clean_text(value: str, what: str, *, limit: int = 200) -> str:
    """`value` stripped, refused if empty, too long, or holding line breaks or other control characters."""
    from ilacs_cli.domain.rules import check_text

    text = value.strip()
    if not text:
        raise IlacsError(f"the {what} is empty: give it in quotes", 2)
    return check_text(text, what, one_line=True, limit=limit)


def who(by: str | None) -> str:
    """Who is making a change: `--by`, else ILACS_USER, else the login name."""
    import os

    if by is not None:
        return clean_text(by, "--by name")
    if "ILACS_USER" in os.environ:
        return clean_text(os.environ["ILACS_USER"], "ILACS_USER value (who is making changes)")
    import getpass

    try:
        return clean_text(getpass.getuser(), "login name")
    except (OSError, KeyError, ImportError, IlacsError):
        raise IlacsError("cannot tell who is making this change: give --by NAME or set ILACS_USER") from None


def check_email(value: str) -> str:
    """A single plain address (name@example.org), refused if it could smuggle a mail header."""
    from email.errors import HeaderParseError
    from email.headerregistry import Address

    text = clean_text(value, "e-mail address", limit=254)
    problem = f"'{text}' is not an e-mail address: give one address such as a.watson@council.gov.uk"
    if any(char.isspace() or char in ',;<>"' for char in text) or text.count("@") != 1:
        raise IlacsError(problem, 2)
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError, HeaderParseError):
        raise IlacsError(problem, 2) from None
    if not address.username or "." not in address.domain:
        raise IlacsError(problem, 2)
    return address.addr_spec


def parse_mailbox(value: str, what: str) -> tuple[str | None, str]:
    """'Name <address>' or 'address' as (name or None, address), both checked."""
    from email.utils import getaddresses

    text = clean_text(value, what, limit=300)
    pairs = getaddresses([text])
    if len(pairs) != 1 or not pairs[0][1]:
        raise IlacsError(f"the {what} '{text}' is not one 'Name <address>' or address", 2)
    name, address = pairs[0]
    return (clean_text(name, what) if name else None), check_email(address)
