"""E-mail: building a reminder message and sending it through the configured SMTP server.

Imported only by `ilacs remind --send`; the email and smtplib modules are not loaded otherwise.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ilacs_cli.addresses import parse_mailbox
from ilacs_cli.config import SmtpSettings
from ilacs_cli.errors import DeliveryError


def compose(sender: str, name: str, email: str, subject: str, text: str, html: str) -> EmailMessage:
    """A plain-text message with an HTML alternative, marked as automatically generated."""
    sender_name, sender_address = parse_mailbox(sender, "sender address")
    message = EmailMessage()
    message["From"] = Address(display_name=sender_name or "", addr_spec=sender_address)
    message["To"] = Address(display_name=name, addr_spec=email)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid("ilacs", domain=sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Outbox:
    """One SMTP connection, opened on the first message and closed at the end."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        context = ssl.create_default_context()
        if settings.security == "ssl":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one message; DeliveryError says why not, and whether the server is gone (fatal)."""
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            reasons = "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in error.recipients.values())
            raise DeliveryError(f"the server refused the recipient: {reasons}", fatal=False) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"{where} refused the login: {error.smtp_code}; check ILACS_SMTP_USER and the "
                                "password", fatal=True) from None
        except smtplib.SMTPResponseException as error:
            text = error.smtp_error
            text = text.decode(errors="replace") if isinstance(text, bytes) else text
            # 421 means the server is closing the connection: nothing more will go through it.
            raise DeliveryError(f"{where} answered {error.smtp_code} {text}", fatal=error.smtp_code == 421) from None
        except (smtplib.SMTPException, OSError) as error:
            self.smtp = None
            raise DeliveryError(f"cannot reach the SMTP server {where}: {error or type(error).__name__}",
                                fatal=True) from None
