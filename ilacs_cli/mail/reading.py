"""Reading a reply as it arrived: the stdlib `email` parser (policy.default), bounded in size and in parts, any
charset tolerated; the HTML part turned into text when there is no text part; the latest reply kept and the quoted
original, signature and disclaimer dropped by mail-parser-reply (a maintained parser with Outlook's and other
clients' quote headers in many languages) rather than by rules of our own."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import html.parser
from email.message import EmailMessage

from ilacs_cli.domain.replies import MAX_DEPTH, MAX_PARTS, MAX_REPLY_BYTES, TOKEN_PATTERN, ReadReply

BULK = ("bulk", "auto_reply", "junk", "list")


class _Text(html.parser.HTMLParser):
    """HTML to text: block elements end lines, script and style dropped, Outlook's quoted original (after its
    divRplyFwdMsg / border-top separator) left for the reply parser to find by its header lines."""

    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
            if tag == "blockquote":
                self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data.replace("\r", ""))


def html_to_text(markup: str) -> str:
    parser = _Text()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # html.parser raises little, but a hostile document must not stop the run
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text, blank = [], False
    for line in lines:
        if line or not blank:
            text.append(line)
        blank = not line
    return "\n".join(text).strip()


def _count_parts(message, depth: int = 0) -> tuple[int, int]:
    """(parts, deepest nesting), stopping as soon as either is past its bound."""
    if not message.is_multipart():
        return 1, depth
    parts, deepest = 1, depth
    payload = message.get_payload()
    for part in payload if isinstance(payload, list) else []:
        count, nested = _count_parts(part, depth + 1)
        parts, deepest = parts + count, max(deepest, nested)
        if parts > MAX_PARTS or deepest > MAX_DEPTH:
            break
    return parts, deepest


def _content(part) -> str:
    try:
        return str(part.get_content())
    except (LookupError, ValueError, AssertionError, KeyError):  # an unknown charset, broken encoding
        raw = part.get_payload(decode=True) or b""
        return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)


def _body(message: EmailMessage) -> str:
    text = message.get_body(preferencelist=("plain",))
    if text is not None and _content(text).strip():
        return _content(text)
    markup = message.get_body(preferencelist=("html",))
    return html_to_text(_content(markup)) if markup is not None else ""


def automatic(message) -> str | None:
    """Why a message is an auto-reply or out-of-office (RFC 3834 and the headers Exchange and list servers add),
    or None."""
    submitted = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if submitted and submitted != "no":
        return f"an automatic message (Auto-Submitted: {submitted[:40]})"
    if message.get("X-Auto-Response-Suppress") is not None:
        return "an automatic message (X-Auto-Response-Suppress)"
    precedence = str(message.get("Precedence", "") or "").strip().lower()
    if precedence in BULK:
        return f"an automatic message (Precedence: {precedence})"
    return None


def latest_reply(text: str) -> str:
    """The reply's own words: mail-parser-reply's first reply without its signature and disclaimer."""
    from mailparser_reply import EmailReplyParser

    try:
        replies = EmailReplyParser(languages=["en"]).read(text).replies
    except Exception:  # the parser is regular expressions: a failure keeps the whole text, which is then bounded
        return text
    return replies[0].body if replies else ""


def read_message(raw: bytes, received: dt.datetime) -> ReadReply:
    """A ReadReply of the message's bytes; one too large or with too many parts is marked unreadable."""
    message = email.message_from_bytes(raw[: MAX_REPLY_BYTES + 1], policy=email.policy.default)
    assert isinstance(message, EmailMessage)

    def header(name: str) -> str:
        try:
            return " ".join(str(message.get(name, "") or "").split())[:998]
        except (ValueError, LookupError, IndexError):
            return ""

    message_id = header("Message-ID")
    sender = ""
    try:
        sender = email.utils.parseaddr(header("From"))[1].strip().lower()
    except (ValueError, IndexError):
        pass
    try:
        sent = email.utils.parsedate_to_datetime(header("Date")) if header("Date") else None
        if sent is not None and sent.tzinfo is None:
            sent = sent.replace(tzinfo=dt.UTC)
    except (ValueError, TypeError, IndexError):
        sent = None
    addresses = " ".join(header(name) for name in ("To", "Cc", "Delivered-To", "X-Original-To"))
    subject = header("Subject")
    tokens = TOKEN_PATTERN.findall(addresses) + TOKEN_PATTERN.findall(subject)
    reply = ReadReply(message_id, sender, sent, subject, list(dict.fromkeys(t.lower() for t in tokens)), "")
    reply.automatic = automatic(message)
    if len(raw) > MAX_REPLY_BYTES:
        reply.unreadable = f"it is larger than {MAX_REPLY_BYTES // 1000:,} kB"
        return reply
    parts, depth = _count_parts(message)
    if parts > MAX_PARTS or depth > MAX_DEPTH:
        reply.unreadable = f"it has more than {MAX_PARTS} parts or is nested more than {MAX_DEPTH} deep"
        return reply
    if not reply.automatic:
        reply.text = latest_reply(_body(message))
    return reply
