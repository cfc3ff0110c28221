"""The inbox over IMAP (imaplib, the standard library): log in with a password or XOAUTH2, list the folder's
messages, fetch each one bounded in size, and move it to a folder once it is dealt with. Every failure is one
IlacsError line naming the server and the fix; nothing here writes to the database."""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from collections.abc import Iterator

from ilacs_cli.domain.replies import MAX_REPLY_BYTES
from ilacs_cli.errors import DeliveryError, IlacsError
from ilacs_cli.mail.config import InboxSettings, config_path


class Inbox:
    """A logged-in IMAP connection with the replies' folder selected."""

    def __init__(self, imap: imaplib.IMAP4, settings: InboxSettings):
        self.imap, self.settings = imap, settings
        self.where = f"the IMAP server {settings.host}:{settings.port}"

    def _ok(self, kind: str, data, what: str) -> list:
        if kind != "OK":
            detail = b" ".join(item for item in data if isinstance(item, bytes)).decode(errors="replace")[:200]
            raise IlacsError(f"{self.where} refused to {what} ({detail}): nothing more was done")
        return data

    def uids(self) -> list[bytes]:
        data = self._ok(*self.imap.uid("SEARCH", None, "ALL"), "list the messages")  # type: ignore[arg-type]
        return data[0].split() if data and data[0] else []

    def fetch(self, uid: bytes) -> bytes:
        """The message's bytes, at most MAX_REPLY_BYTES + 1 of them (more says it is too large)."""
        data = self._ok(
            *self.imap.uid("FETCH", uid, f"(BODY.PEEK[]<0.{MAX_REPLY_BYTES + 1}>)"),  # type: ignore[arg-type]
            "fetch a message",
        )
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return b""

    def ensure(self, folder: str) -> None:
        with contextlib.suppress(imaplib.IMAP4.error):
            self.imap.create(f'"{folder}"')

    def move(self, uid: bytes, folder: str) -> None:
        """Move a message out of the folder read: MOVE where offered (RFC 6851), else copy, flag and expunge."""
        if "MOVE" in self.imap.capabilities:
            self._ok(*self.imap.uid("MOVE", uid, f'"{folder}"'), f"move a message to {folder}")  # type: ignore[arg-type]
            return
        self._ok(*self.imap.uid("COPY", uid, f'"{folder}"'), f"copy a message to {folder}")  # type: ignore[arg-type]
        self._ok(*self.imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"), "flag a message")  # type: ignore[arg-type]
        if "UIDPLUS" in self.imap.capabilities:
            self.imap.uid("EXPUNGE", uid)  # type: ignore[arg-type]
        else:
            self.imap.expunge()


@contextlib.contextmanager
def open_inbox(settings: InboxSettings) -> Iterator[Inbox]:
    """Connect, secure, log in and select the folder; one line naming the step and the fix on a failure."""
    where = f"the IMAP server {settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=ssl.create_default_context(), timeout=settings.timeout
            )
        else:
            imap = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                imap.starttls(ssl.create_default_context())
    except ssl.SSLError as error:
        raise IlacsError(
            f"cannot verify the TLS certificate of {where} ({error.reason or error}): check [inbox] host and "
            f"security in {config_path()}"
        ) from None
    except (OSError, imaplib.IMAP4.error) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise IlacsError(
            f"cannot reach {where} ({reason}): check [inbox] host, port and security in {config_path()}; "
            "nothing was recorded"
        ) from None
    try:
        _log_in(imap, settings, where)
        kind, data = imap.select(f'"{settings.folder}"')
        if kind != "OK":
            raise IlacsError(
                f"{where} has no folder {settings.folder} for {settings.user}: fix [inbox] folder in {config_path()}"
            )
        inbox = Inbox(imap, settings)
        for folder in (settings.processed_folder, settings.held_folder):
            inbox.ensure(folder)
        yield inbox
    except (OSError, imaplib.IMAP4.abort) as error:
        raise IlacsError(
            f"{where} dropped the connection ({str(error)[:120] or type(error).__name__}): what was not yet "
            "processed stays in the inbox for the next run"
        ) from None
    finally:
        with contextlib.suppress(Exception):
            imap.logout()


def _log_in(imap: imaplib.IMAP4, settings: InboxSettings, where: str) -> None:
    try:
        if settings.auth == "password":
            imap.login(settings.user, settings.password or "")
            return
        from ilacs_cli.mail.oauth import TokenSource

        assert settings.oauth is not None
        try:
            token = TokenSource(settings.oauth).token()
        except DeliveryError as error:  # no token (a refused secret, a failing command): the same one line
            raise IlacsError(f"no token to log in to {where}: {error}; nothing was recorded") from None
        if "AUTH=XOAUTH2" not in imap.capabilities:
            offered = " ".join(c.removeprefix("AUTH=") for c in imap.capabilities if c.startswith("AUTH=")) or "none"
            raise IlacsError(f"{where} does not offer XOAUTH2 (it offers {offered}): check [inbox] host and port")
        response = f"user={settings.user}\x01auth=Bearer {token}\x01\x01".encode()
        imap.authenticate("XOAUTH2", lambda _challenge: response)
    except imaplib.IMAP4.error as error:
        if isinstance(error, imaplib.IMAP4.abort):
            raise
        reason = str(error).removeprefix("b'").removesuffix("'")[:200]
        if settings.auth != "password":
            fix = (
                "the app's IMAP.AccessAsApp permission and its access to that mailbox (docs/replies.md)"
                if settings.auth == "microsoft"
                else "that token_command prints a token for that mailbox"
            )
            raise IlacsError(
                f"{where} refused the XOAUTH2 login for {settings.user} ({reason}): check [inbox] user and {fix}; "
                "nothing was recorded"
            ) from None
        raise IlacsError(
            f"{where} refused the login for {settings.user} ({reason}): check [inbox] user and its password "
            f"(ILACS_INBOX_PASSWORD or password_file) in {config_path()}; nothing was recorded"
        ) from None
    except TimeoutError:
        raise IlacsError(f"{where} did not answer within {settings.timeout:g} s: nothing was recorded") from None
