"""E-mail: building a reminder message and sending it through the configured SMTP server, logging in as `auth`
says: a password, nothing (a relay), or XOAUTH2 with a token from ilacs_cli.oauth.

Imported only by `ilacs remind --send` and `ilacs mail`; the email and smtplib modules are not loaded otherwise.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ilacs_cli.domain.addresses import parse_mailbox
from ilacs_cli.errors import DeliveryError
from ilacs_cli.mail.config import SmtpSettings


def compose(
    sender: str,
    name: str,
    email: str,
    subject: str,
    text: str,
    html: str | None,
    *,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
) -> EmailMessage:
    """A plain-text message (with an HTML alternative when given), marked as automatically generated; `reply_to`
    is the address an answer goes to (the council's inbox, issue 30); `in_reply_to` makes it an automatic answer to
    that message (RFC 3834: auto-replied)."""
    sender_name, sender_address = parse_mailbox(sender, "sender address")
    message = EmailMessage()
    message["From"] = Address(display_name=sender_name or "", addr_spec=sender_address)
    message["To"] = Address(display_name=name, addr_spec=email)
    message["Subject"] = subject
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("ilacs", domain=sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-replied" if in_reply_to else "auto-generated"  # RFC 3834: no out-of-office
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class Outbox:
    """One SMTP connection, opened on the first message and closed at the end."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.tokens = None  # oauth.TokenSource, made on the first connection that needs one

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()

    def token(self) -> str:
        """An OAuth access token for XOAUTH2 (auth = microsoft or token-command)."""
        if self.tokens is None:
            from ilacs_cli.mail.oauth import TokenSource

            self.tokens = TokenSource(self.settings)
        return self.tokens.token()

    def _connect(self) -> smtplib.SMTP:
        # The token first: when the identity platform refuses, no SMTP connection is opened at all.
        token = self.token() if self.settings.auth in OAUTH else None
        smtp = open_connection(self.settings)
        try:
            log_in(smtp, self.settings, token)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def open(self) -> None:
        """Connect and log in now (before anything is claimed as being sent); DeliveryError says why not."""
        self._attempt(lambda: None)

    def send(self, message: EmailMessage) -> None:
        """Send one message; DeliveryError says why not, and whether the server is gone (fatal)."""
        self._attempt(lambda: self.smtp.send_message(message))

    def _attempt(self, then) -> None:
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            then()
        except smtplib.SMTPRecipientsRefused as error:
            reasons = "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in error.recipients.values())
            raise DeliveryError(f"the server refused the recipient: {reasons}", fatal=False) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(
                f"{where} refused the login: {error.smtp_code}; check ILACS_SMTP_USER and the password", fatal=True
            ) from None
        except smtplib.SMTPResponseException as error:
            text = error.smtp_error
            text = text.decode(errors="replace") if isinstance(text, bytes) else text
            # 421 means the server is closing the connection: nothing more will go through it.
            raise DeliveryError(f"{where} answered {error.smtp_code} {text}", fatal=error.smtp_code == 421) from None
        except (smtplib.SMTPException, OSError) as error:
            self.smtp = None
            raise DeliveryError(
                f"cannot reach the SMTP server {where}: {error or type(error).__name__}", fatal=True
            ) from None


OAUTH = ("microsoft", "token-command")


def _where(settings: SmtpSettings) -> str:
    return f"{settings.host}:{settings.port}"


def open_connection(settings: SmtpSettings) -> smtplib.SMTP:
    """Connected, with TLS as `security` says, and greeted (EHLO); DeliveryError(fatal) says what failed."""
    smtp = connect(settings)
    secure(smtp, settings)
    return smtp


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """A connection to the server (for security = "ssl", TLS from the start)."""
    where = _where(settings)
    try:
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except ssl.SSLError as error:
        raise _tls_error(where, error) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(
            f"cannot reach the SMTP server {where}: {error or type(error).__name__}", fatal=True
        ) from None


def secure(smtp: smtplib.SMTP, settings: SmtpSettings) -> None:
    """STARTTLS when security says so, then EHLO (whose answer lists the AUTH mechanisms); closes on failure."""
    where = _where(settings)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo_or_helo_if_needed()
    except smtplib.SMTPNotSupportedError:
        smtp.close()
        raise DeliveryError(
            f'{where} does not offer STARTTLS: set security = "ssl" for port 465, or "none" only for an internal relay',
            fatal=True,
        ) from None
    except ssl.SSLError as error:
        smtp.close()
        raise _tls_error(where, error) from None
    except (smtplib.SMTPException, OSError) as error:
        smtp.close()
        raise DeliveryError(
            f"{where} broke off the greeting ({_line(error)}): check host, port and security", fatal=True
        ) from None


def _tls_error(where: str, error: ssl.SSLError) -> DeliveryError:
    if isinstance(error, ssl.SSLCertVerificationError):
        return DeliveryError(
            f"TLS with {where} failed: cannot verify its certificate ({_line(error)}): host must be "
            "the name on the server's certificate; a council's own CA goes in SSL_CERT_FILE",
            fatal=True,
        )
    return DeliveryError(
        f'TLS with {where} failed ({_line(error)}): check security ("ssl" is for port 465, "starttls" for 587)',
        fatal=True,
    )


def tls_description(smtp: smtplib.SMTP, settings: SmtpSettings) -> str:
    """What protects the connection, for `ilacs mail check`."""
    sock = smtp.sock
    version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    if version is None:
        return 'none (security = "none": only for a relay inside the council\'s network)'
    how = "STARTTLS" if settings.security == "starttls" else "implicit TLS"
    return f"{how}, {version}, certificate verified for {settings.host}"


def mechanisms(smtp: smtplib.SMTP) -> list[str]:
    """The AUTH mechanisms the server offered in its EHLO answer."""
    return smtp.esmtp_features.get("auth", "").upper().split() if smtp.has_extn("auth") else []


def log_in(smtp: smtplib.SMTP, settings: SmtpSettings, token: str | None = None) -> None:
    """Authenticate as `auth` says (nothing for "none"); DeliveryError(fatal) names the problem and the fix."""
    where = _where(settings)
    if settings.auth == "none":
        return
    if settings.auth == "password":
        try:
            smtp.login(settings.user, settings.password or "")
        except smtplib.SMTPAuthenticationError as error:
            if "5.7.139" in _text(error):
                raise DeliveryError(
                    f"{where} no longer accepts a password for {settings.user} (535 5.7.139: SMTP "
                    'AUTH with basic authentication is turned off): use auth = "microsoft" '
                    "(README, Sending from Microsoft 365)",
                    fatal=True,
                ) from None
            raise DeliveryError(
                f"{where} refused the login: {error.smtp_code}; check ILACS_SMTP_USER and the password", fatal=True
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"{where} offers no login (no AUTH after EHLO): check host, port and security, or "
                'set auth = "none" for a relay that needs none',
                fatal=True,
            ) from None
        return
    offered = mechanisms(smtp)
    if "XOAUTH2" not in offered:
        raise DeliveryError(
            f"{where} does not offer XOAUTH2 (it offers {' '.join(offered) or 'no AUTH at all'}): "
            "check host, port and security (Microsoft 365: smtp.office365.com, port 587, "
            'security "starttls")',
            fatal=True,
        )
    # The initial response carries the token; on failure some servers (Google) send a 334 with details and
    # want an empty line back before their final 535.
    initial = xoauth2_response(settings.user, token)
    try:
        smtp.auth("XOAUTH2", lambda challenge=None: initial if challenge is None else "", initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as error:
        text = _text(error)
        said = f"{error.smtp_code} {text}"[:200]
        if "5.7.139" in text:
            raise DeliveryError(
                f"{where} refused the token for {settings.user} because SMTP AUTH is turned off for "
                f"the tenant or the mailbox ({said}): an Exchange administrator runs Set-CASMailbox "
                f"-Identity {settings.user} -SmtpClientAuthenticationDisabled $false",
                fatal=True,
            ) from None
        if settings.auth == "microsoft":
            raise DeliveryError(
                f"{where} refused the token for {settings.user} ({said}): the app needs "
                "SMTP.SendAsApp with admin consent, a service principal in Exchange Online "
                f"(New-ServicePrincipal) and FullAccess to {settings.user} (Add-MailboxPermission); "
                "README, Sending from Microsoft 365",
                fatal=True,
            ) from None
        raise DeliveryError(
            f"{where} refused the token for {settings.user} ({said}): check that token_command "
            "prints a current access token for this mailbox with the provider's SMTP scope",
            fatal=True,
        ) from None


def xoauth2_response(user: str, token: str) -> str:
    """XOAUTH2's initial client response, before smtplib base64-encodes it."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def _text(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    return " ".join((text.decode(errors="replace") if isinstance(text, bytes) else str(text)).split())


def _line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__
