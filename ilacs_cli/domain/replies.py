"""Owners' replies by e-mail (issue 30): the reply grammar, the signed reply token, and what may be recorded.

The grammar's rules live here and nowhere else. One line per action, forgiving of case, punctuation and the marks
Outlook's text part adds (bold as *text*, bullets, non-breaking spaces):

    12 done                     12 done: note
    12 in progress: note        12 blocked: note
    12 note: text               12 new date 30/06/2025: reason   (a request for the coordinator, never applied)

A line that starts with a number but says none of these is "not understood"; other lines (greetings, prose) are
passed over. The token binds a reply to the address it was sent to, the actions its digest listed and an expiry,
signed with HMAC-SHA256 under a key kept outside the database. Never prints, no SQL.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from ilacs_cli.dates.days import exact_day
from ilacs_cli.domain import rules

# What a reply line's verb records: the status it sets (None: the status is kept), or a date request.
VERBS = {"done": "done", "in progress": "in-progress", "blocked": "blocked", "note": None}
NOTE_REQUIRED = ("note",)  # `12 note` with nothing after it says nothing
TOKEN_VERSION = "r1"
TOKEN_MAC_BYTES = 12  # 96 bits of HMAC-SHA256: forging one is out of reach, and the token fits a plus-address
MAX_LINES = 200  # a reply longer than this is not one an owner typed
MAX_REPLY_BYTES = 1_000_000  # messages larger are held unread (the IMAP fetch is bounded by this too)
MAX_PARTS = 50  # a multipart message with more parts, or nested deeper, is held unread
MAX_DEPTH = 5

_MARKS = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2013": "-", "\u2014": "-", "\u2019": "'"})
_LINE = re.compile(
    r"""^\#?(?P<id>\d{1,9})\s*[.:,)\]-]?\s*
        (?P<verb>done|completed?|in[\s-]*progress|blocked|note|new\s+date\s+(?P<date>[0-9][0-9/.-]*[0-9]))
        \s*(?:[:;,.-]+\s*(?P<note>.*?))?\s*[.!]?$""",
    re.IGNORECASE | re.VERBOSE,
)
_STARTS_WITH_NUMBER = re.compile(r"^\#?\d{1,9}\b")


@dataclass(frozen=True)
class ReplyLine:
    """One understood line: the action, what it records (a status, or None to keep it), its note, and for
    `new date` the day asked for."""

    action_id: int
    verb: str  # done, in-progress, blocked, note, new-date
    status: str | None
    note: str | None
    new_due: dt.date | None = None


@dataclass
class ReadReply:
    """A message as the inbox read it (mail/reading.py): who sent it, when, its token, and the reply's own text."""

    message_id: str
    sender: str  # the From address, lower case
    sent: dt.datetime | None  # its Date header (aware), None when missing or unreadable
    subject: str
    tokens: list[str]  # candidate tokens found in the addresses it was sent to and in its subject
    text: str  # the latest reply only: quoted text, signature and disclaimer removed
    automatic: str | None = None  # why it is an auto-reply (never an answer), or None
    unreadable: str | None = None  # why it was not read (too large, too many parts), or None


@dataclass
class Parsed:
    lines: list[ReplyLine] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)


def _clean(line: str) -> str:
    line = line.translate(_MARKS).strip()
    line = re.sub(r"^[\s>*•·\-–]+", "", line)  # bullets, and bold marks Outlook writes as *...*
    line = line.replace("*", "").replace("_", " ") if line.count("*") or line.startswith("_") else line
    return re.sub(r"\s+", " ", line).strip()


def parse_reply(text: str) -> Parsed:
    """The reply lines `text` holds, and the lines that start with a number but say nothing the grammar knows."""
    parsed = Parsed()
    for raw in text.splitlines()[:MAX_LINES]:
        line = _clean(raw)
        if not line:
            continue
        found = _LINE.match(line)
        if not found:
            if _STARTS_WITH_NUMBER.match(line):
                parsed.not_understood.append(line[:200])
            continue
        verb_text = re.sub(r"[\s-]+", " ", found["verb"].lower())
        note = (found["note"] or "").strip() or None
        if note is not None and rules.text_problem(note):
            parsed.not_understood.append(line[:200])
            continue
        if found["date"]:
            day = exact_day(found["date"].replace(".", "/"))
            if day is None:
                parsed.not_understood.append(line[:200])
                continue
            parsed.lines.append(ReplyLine(int(found["id"]), "new-date", None, note, day))
            continue
        verb = "done" if verb_text.startswith("complete") else verb_text
        if verb in NOTE_REQUIRED and note is None:
            parsed.not_understood.append(line[:200])
            continue
        parsed.lines.append(ReplyLine(int(found["id"]), verb.replace(" ", "-"), VERBS[verb], note))
    return parsed


# -- tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    action_ids: tuple[int, ...]
    expires: dt.date


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()


def _unb32(text: str) -> bytes:
    return base64.b32decode(text.upper() + "=" * (-len(text) % 8))


def _mac(key: bytes, address: str, payload: str) -> bytes:
    message = f"ilacs reply {TOKEN_VERSION}\n{address.strip().lower()}\n{payload}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:TOKEN_MAC_BYTES]


def mint_token(key: bytes, address: str, action_ids: list[int], expires: dt.date) -> str:
    """A token for a digest sent to `address` listing `action_ids`, good until the end of `expires`. Lower-case
    letters, digits and dots only, so it survives a plus-address and a subject line."""
    payload = f"{expires:%Y%m%d}:{','.join(str(number) for number in sorted(set(action_ids)))}"
    return f"{TOKEN_VERSION}.{_b32(payload.encode())}.{_b32(_mac(key, address, payload))}"


def check_token(key: bytes, address: str, token: str, today: dt.date) -> Token | str:
    """The token's contents if it was minted with `key` for `address` and has not expired; else why not."""
    parts = token.strip().lower().split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        return "the reply's token is not one ilacs writes"
    try:
        payload = _unb32(parts[1]).decode("ascii")
        mac = _unb32(parts[2])
    except (ValueError, UnicodeDecodeError):
        return "the reply's token is not one ilacs writes"
    if not hmac.compare_digest(mac, _mac(key, address, payload)):
        return f"the reply's token was not issued to {address} (forged, or sent on from another address)"
    found = re.fullmatch(r"(\d{8}):(\d+(?:,\d+)*)", payload)
    if not found:
        return "the reply's token is not one ilacs writes"
    try:
        expires = dt.datetime.strptime(found[1], "%Y%m%d").date()
    except ValueError:
        return "the reply's token is not one ilacs writes"
    if today > expires:
        return f"the reply's token expired on {expires.isoformat()}"
    return Token(tuple(int(number) for number in found[2].split(",")), expires)


TOKEN_PATTERN = re.compile(r"r1\.[a-z2-7]+\.[a-z2-7]+", re.IGNORECASE)


def described_day(sent: dt.datetime | None, received: dt.datetime) -> dt.date:
    """The day a reply describes: the day its Date header says it was sent, in England, bounded by when it was
    received (a Date in the future, or missing, is the day of receipt)."""
    from ilacs_cli.dates.days import england

    if sent is None or sent > received:
        sent = received
    return sent.astimezone(england()).date()


# -- the sending side: a digest's reply address ------------------------------------------

LOCAL_PART_LIMIT = 64  # RFC 5321: an address's part before the @ is at most 64 characters


@dataclass(frozen=True)
class ReplyTo:
    """How an owner answers one digest: the address to reply to, the token in the subject when it is not in the
    address, and the actions the token lists (the ones the digest gave them as owner)."""

    address: str
    subject_token: str | None
    actions: tuple[int, ...]

    def subject(self, subject: str) -> str:
        return f"{subject} [{self.subject_token}]" if self.subject_token else subject


def reply_to(
    key: bytes, inbox: str, token_in: str, recipient: str, actions: list[int], expires: dt.date
) -> ReplyTo | None:
    """The reply address and token for a digest sent to `recipient` listing `actions` as theirs; None when it
    lists none (there is nothing to answer). The token rides in a plus-address when asked and it fits the 64
    characters an address allows before the @; else in the subject."""
    if not actions:
        return None
    token = mint_token(key, recipient, actions, expires)
    local, _, domain = inbox.rpartition("@")
    plus = f"{local.split('+')[0]}+{token}"
    if token_in == "address" and len(plus) <= LOCAL_PART_LIMIT:
        return ReplyTo(f"{plus}@{domain}", None, tuple(sorted(set(actions))))
    return ReplyTo(inbox, token, tuple(sorted(set(actions))))


GRAMMAR_LINES = (
    "To answer, reply to this e-mail with one line per action: 12 done, 12 done: note, 12 in progress: note,",
    "12 blocked: note, 12 note: text, or 12 new date 30/06/2025: reason (a request the coordinator approves).",
)
