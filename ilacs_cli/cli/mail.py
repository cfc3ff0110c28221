"""`ilacs mail`: check the way to the SMTP server, send a test message, store the OAuth client secret.

Only typer is imported here at start-up: smtplib, msal and keyring load inside the commands that use them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ilacs_cli.cli.common import command_group
from ilacs_cli.errors import DeliveryError, IlacsError

mail_app = command_group(
    "mail", "Sending e-mail: check the settings end to end, send a test message, store the OAuth client secret."
)


def _say(step: str, what: str) -> None:
    print(f"ok  {step}: {what}", flush=True)


@mail_app.command()
def check() -> None:
    """Connect, negotiate TLS, get a token, log in: one line per step that worked; sends nothing.

    Exit status 0 only when every step worked; otherwise the last line (on stderr) says what failed and how to fix
    it.  Example: ilacs mail check
    """
    from ilacs_cli.mail import config
    from ilacs_cli.mail import smtp as mail
    from ilacs_cli.mail.config import MICROSOFT_SCOPE

    settings = config.smtp_settings()
    described = {
        "password": f"password for {settings.user}",
        "none": "no login (a relay)",
        "microsoft": f"Microsoft 365 OAuth as {settings.user}, client id {settings.client_id}, credential "
        f"from {settings.credential_source}",
        "token-command": f"XOAUTH2 as {settings.user}, token from token_command",
    }[settings.auth]
    _say("settings", f"{config.config_path()} and ILACS_SMTP_*: {described}")
    outbox = mail.Outbox(settings)
    try:
        smtp = mail.connect(settings)
        try:
            _say("connect", f"{settings.host}:{settings.port} answered")
            mail.secure(smtp, settings)
            _say("TLS", mail.tls_description(smtp, settings))
            token = None
            if settings.auth in mail.OAUTH:
                token = outbox.token()
                if settings.auth == "microsoft":
                    lasts = f", valid for {outbox.tokens.expires_in // 60} min" if outbox.tokens.expires_in else ""
                    _say("token", f"from {settings.authority} for {MICROSOFT_SCOPE}{lasts}")
                else:
                    _say("token", f"printed by {outbox.tokens.describe()}")
            if settings.auth == "none":
                _say("login", 'none configured (auth = "none"); the server will decide when the message is sent')
            else:
                mail.log_in(smtp, settings, token)
                how = "XOAUTH2" if token else "a password"
                _say("login", f"{settings.host} accepted {settings.user} with {how}")
        finally:
            try:
                smtp.quit()
            except Exception:
                smtp.close()
    except DeliveryError as error:
        raise IlacsError(str(error)) from None
    print("all steps worked; nothing was sent")


@mail_app.command()
def test(to: Annotated[str, typer.Option("--to", help="Address to send the test message to.")]) -> None:
    """Send one short test message through the configured server.  Example: ilacs mail test --to you@council.gov.uk"""
    import socket

    from ilacs_cli.domain.addresses import parse_mailbox
    from ilacs_cli.mail import config
    from ilacs_cli.mail import smtp as mail

    name, address = parse_mailbox(to, "--to address")
    settings = config.smtp_settings()
    text = (
        f"This is a test message from ilacs on {socket.gethostname()}, sent through {settings.host}:"
        f"{settings.port} (auth {settings.auth}).\n\nIf you can read it, action plan reminders can reach you.\n"
    )
    message = mail.compose(
        settings.sender,
        name or "",
        address,
        "ILACS test message",
        text,
        "<p>" + text.replace("\n\n", "</p><p>").strip() + "</p>",
    )
    try:
        with mail.Outbox(settings) as outbox:
            outbox.send(message)
    except DeliveryError as error:
        raise IlacsError(str(error)) from None
    print(f"sent a test message to {address} ({message['Message-ID']})")


@mail_app.command("set-secret")
def set_secret() -> None:
    """Store the app registration's client secret in the operating system's keyring.

    Asked for without echo (read from standard input when that is not a terminal), stored under service "ilacs"
    and the client id.  Example: ilacs mail set-secret
    """
    from ilacs_cli.mail import config

    client_id = config.oauth_client_id()
    if sys.stdin.isatty():
        secret = typer.prompt(
            f"Client secret Value for client id {client_id}", hide_input=True, confirmation_prompt=True
        )
    else:
        secret = sys.stdin.readline()
    secret = secret.strip()
    if not secret:
        raise IlacsError(
            "no secret given: nothing stored; paste the secret's Value from Entra ID > App "
            "registrations > the app > Certificates & secrets"
        )
    import keyring

    fallback = (
        "keep the secret in a file readable only by this user, named by client_secret_file, or in "
        "ILACS_SMTP_CLIENT_SECRET"
    )
    try:
        backend = keyring.get_keyring()
        keyring.set_password(config.KEYRING_SERVICE, client_id, secret)
    except Exception as error:  # no keyring on a server without a desktop session, a locked one
        raise IlacsError(f"cannot store the secret in a keyring here ({type(error).__name__}): {fallback}") from None
    where = getattr(backend, "name", type(backend).__name__)
    print(f"stored the client secret for client id {client_id} in the keyring ({where}); now run `ilacs mail check`")
