"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, and `ilacs remind --send` through it."""

import contextlib
import email
import email.policy

from helpers.cli import run_ilacs
from helpers.net import free_port
from helpers.plans import NEW_YEAR, PLAN


class Mailbox:
    """An aiosmtpd handler keeping every message it accepts; it can drop the connection to play a dying server."""

    def __init__(self):
        self.messages = []
        self.logins = []
        self.drop_after = None  # accept this many messages, then cut the connection on the next one
        self.delay = 0.0  # seconds to take over each message, as a busy server does

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        if self.drop_after is not None and len(self.messages) >= self.drop_after:
            server.transport.close()
            return "421 4.3.2 shutting down"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)


def start_smtp(handler, **options):
    """An aiosmtpd server for `handler` on a free loopback port, started with aiosmtpd's `options`; returns
    (controller, port). The caller stops it."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, port


@contextlib.contextmanager
def password_smtp():
    """A server taking any user and password by AUTH LOGIN or PLAIN, no TLS; yields (mailbox, the environment for
    ilacs to send through it), and stops the server after."""
    mailbox = Mailbox()
    controller, port = start_smtp(mailbox, authenticator=mailbox.authenticate, auth_require_tls=False)
    env = {
        "ILACS_SMTP_HOST": "127.0.0.1",
        "ILACS_SMTP_PORT": str(port),
        "ILACS_SMTP_SECURITY": "none",
        "ILACS_SMTP_FROM": "ILACS reminders <ilacs@council.example.gov.uk>",
        "ILACS_SMTP_TIMEOUT": "10",
    }
    try:
        yield mailbox, env
    finally:
        controller.stop()


def send_reminders(db, env, *extra, timeout=None):
    """`ilacs remind --send` for the reminders' plan (helpers.plans) as of 2 Jan 2024; the CompletedProcess. With
    `timeout`, run as a process of its own that must finish within that many seconds (helpers.cli.run_ilacs)."""
    return run_ilacs(
        "remind", "--send", "--as-of", NEW_YEAR, "--inspection", PLAN, *extra, db=db, env=env, timeout=timeout
    )
