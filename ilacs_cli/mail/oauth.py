"""OAuth 2.0 access tokens for SMTP's XOAUTH2: from Microsoft's identity platform (client credentials, via msal), or
printed by a command the user names (`token_command`, as msmtp's passwordeval).

Imported only when sending or checking mail: msal, and through it requests and cryptography, load from inside
`TokenSource.token`, never on a read command's path. Every failure is a DeliveryError(fatal=True) whose message is
one line naming the problem and the fix; no secret or token is ever part of a message.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from urllib.parse import urlsplit

from ilacs_cli.errors import DeliveryError
from ilacs_cli.mail.config import MICROSOFT_SCOPE, SmtpSettings

GUIDE = "README, Sending from Microsoft 365"
STORE_SECRET = "store it with `ilacs mail set-secret`, or in ILACS_SMTP_CLIENT_SECRET or client_secret_file"


class TokenSource:
    """Access tokens for one run; msal's in-memory cache means one token request per run, however many messages."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._app = None
        self.expires_in: int | None = None  # seconds, when the identity platform said

    def describe(self) -> str:
        if self.settings.auth == "microsoft":
            return f"{self.settings.authority} (scope {MICROSOFT_SCOPE})"
        return f"token_command {self.settings.token_command[0]}"

    def token(self) -> str:
        return self._microsoft() if self.settings.auth == "microsoft" else self._command()

    # -- Microsoft's identity platform --------------------------------------------------

    def _microsoft(self) -> str:
        # msal rather than a hand-written POST: it does the OpenID discovery, builds and signs the certificate's
        # client assertion, caches the token, throttles retries, and follows Microsoft's changes to the protocol.
        import logging

        import msal
        import requests

        # msal and urllib3 log failures (with tracebacks) and retries; Python would print those on stderr. The
        # failure is reported once, below, as one line.
        for name in ("msal", "urllib3"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False
        settings = self.settings
        try:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    settings.client_id,
                    client_credential=settings.client_credential,
                    authority=settings.authority,
                    timeout=settings.timeout,
                    # An authority the user wrote (a national cloud, a test server) is trusted as written, like
                    # `host`: msal would otherwise ask login.microsoftonline.com to vouch for a host it does not
                    # know. The default authority is one msal knows, so nothing changes for it.
                    instance_discovery=False if settings.authority_given else None,
                )
            result = self._app.acquire_token_for_client(scopes=[MICROSOFT_SCOPE])
        except requests.exceptions.SSLError as error:
            raise DeliveryError(
                f"cannot verify the TLS certificate of {_host(settings.authority)} "
                f"({_network_reason(error)}): if a proxy inspects TLS here, set REQUESTS_CA_BUNDLE to its "
                "CA certificates",
                fatal=True,
            ) from None
        except requests.exceptions.RequestException as error:
            raise DeliveryError(
                f"cannot reach the Microsoft identity platform at {_host(settings.authority)} "
                f"({_network_reason(error)}): check this machine can open https://"
                f"{_host(settings.authority)} (a proxy goes in HTTPS_PROXY), or fix authority",
                fatal=True,
            ) from None
        except Exception as error:  # noqa: BLE001 - a cron job's failure is one line, never a traceback
            # msal's tenant discovery failing (an unknown tenant answers 400 with AADSTS90002, kept in the
            # exception's context), or a private key msal cannot sign with
            text = f"{error} {error.__context__ or ''}"
            if "AADSTS" in text or (isinstance(error, ValueError) and "authority" in text.lower()):
                raise DeliveryError(_explain(settings, {"error_description": text}), fatal=True) from None
            if isinstance(settings.client_credential, dict):
                raise DeliveryError(
                    f"msal cannot sign with the client certificate's key ({type(error).__name__}): "
                    "client_certificate_file must hold the certificate's RSA private key (PEM, "
                    "unencrypted)",
                    fatal=True,
                ) from None
            raise DeliveryError(
                f"msal could not get a token ({type(error).__name__}: {_reason(error)}): check the "
                f"[smtp] settings against {GUIDE}",
                fatal=True,
            ) from None
        if "access_token" not in result:
            raise DeliveryError(_explain(settings, result), fatal=True)
        self.expires_in = result.get("expires_in")
        return result["access_token"]

    # -- a command the user names ---------------------------------------------------------

    def _command(self) -> str:
        argv = self.settings.token_command
        name = os.path.basename(argv[0])
        limit = self.settings.timeout
        fix = "run it by hand to see why, then fix it or token_command"
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=os.name == "posix",  # its own process group: _kill ends all it starts
            )
        except OSError as error:
            raise DeliveryError(
                f"cannot run token_command {argv[0]}: {error.strerror or error}; fix token_command", fatal=True
            ) from None
        try:
            out, err = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise DeliveryError(
                f"token_command {name} printed no token within {limit:g} s (the timeout key) and was stopped: {fix}",
                fatal=True,
            ) from None
        if process.returncode != 0:
            lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
            said = _reason(lines[-1]) if lines else "nothing on stderr"  # the last line: where tools say why
            raise DeliveryError(
                f"token_command {name} failed (exit status {process.returncode}: {said}): {fix}", fatal=True
            )
        token = out.decode(errors="replace").strip()
        if not token:
            raise DeliveryError(
                f"token_command {name} printed nothing: it must print an access token on stdout; {fix}", fatal=True
            )
        if not re.fullmatch(r"[\x21-\x7e]+", token):
            raise DeliveryError(
                f"token_command {name} printed more than one access token (spaces, several lines or "
                f"characters a token cannot hold): make it print the token alone",
                fatal=True,
            )
        return token


# What Entra ID's AADSTS codes mean for a council's administrator, and what fixes them.
AADSTS = {
    "7000215": "refused the client secret (AADSTS7000215: wrong secret; it wants the secret's Value, not its "
    "Secret ID): " + STORE_SECRET,
    "7000222": "says the client secret has expired (AADSTS7000222): create a new one in Entra ID > App "
    "registrations > the app > Certificates & secrets and " + STORE_SECRET,
    "700027": "refused the client certificate (AADSTS700027): upload its public part under Certificates & secrets "
    "of the app registration and check client_certificate_thumbprint",
    "700016": "knows no app with client id {client_id} in tenant {tenant} (AADSTS700016): check client_id against "
    "the app registration's Overview, and that the app is registered in that tenant",
    "90002": "knows no tenant {tenant} (AADSTS90002): set tenant to the Directory (tenant) ID from the app "
    "registration's Overview, or the council's Microsoft 365 domain",
    "900023": "cannot read the tenant {tenant} (AADSTS900023): set tenant to the Directory (tenant) ID from the "
    "app registration's Overview, or the council's Microsoft 365 domain",
    "65001": "says no administrator has consented to the app's permissions (AADSTS65001): in Entra ID > App "
    "registrations > the app > API permissions, add Office 365 Exchange Online > Application "
    "permissions > SMTP.SendAsApp and press Grant admin consent (" + GUIDE + ")",
    "500011": "finds no Exchange Online in the tenant (AADSTS500011): the mailbox must be in Microsoft 365 "
    "Exchange Online, and the app needs the SMTP.SendAsApp permission with admin consent (" + GUIDE + ")",
    "7000112": "says the app is disabled (AADSTS7000112): an administrator enables it in Entra ID > Enterprise "
    "applications",
    "70011": "refused the scope (AADSTS70011): the app needs the Office 365 Exchange Online permission "
    "SMTP.SendAsApp (" + GUIDE + ")",
}


def _explain(settings: SmtpSettings, result: dict) -> str:
    """msal's error answer as one line: the problem in a council administrator's words, and the fix."""
    text = f"{result.get('error', '')} {result.get('error_description', '')}"
    codes = [str(code) for code in result.get("error_codes") or []] + re.findall(r"AADSTS(\d+)", text)
    where = f"Entra ID ({_host(settings.authority)})"
    for code in codes:
        if code in AADSTS:
            return f"{where} " + AADSTS[code].format(
                client_id=settings.client_id, tenant=settings.tenant or settings.authority
            )
    if "authority" in text.lower() and not codes:
        return (
            f"{where} has no usable OpenID configuration for {settings.authority}: check tenant (or authority) "
            "names the council's Entra ID directory"
        )
    return (
        f"{where} gave no token for client id {settings.client_id} ({_reason(text)}): check the app "
        f"registration ({GUIDE})"
    )


def _host(url: str | None) -> str:
    return urlsplit(url or "").netloc or str(url)


def _reason(error: object) -> str:
    """The first line of an error, without Entra ID's trace and correlation ids, at most 200 characters."""
    text = " ".join(str(error).split())
    text = re.split(r"\s+(?:Trace ID|Correlation ID|Timestamp):", text)[0]
    return text[:200] or type(error).__name__


def _network_reason(error: Exception) -> str:
    """What requests' exception says went wrong, without urllib3's wrapping ("Max retries exceeded", object reprs)."""
    inner = error.args[0] if error.args else None
    reason = getattr(inner, "reason", None) or inner or error  # urllib3's MaxRetryError keeps the cause in .reason
    text = re.sub(r"<[^>]*>:?\s*|^\w*Connection\([^)]*\):\s*", "", str(reason)).strip(" ,:")
    text = re.sub(r"^(Failed to establish a new connection|Connection aborted\.?)[:,]?\s*", "", text)
    return _reason(text or type(error).__name__)


def _kill(process: subprocess.Popen) -> None:
    """Stop a token command that ran past its limit, with everything it started: on POSIX its process group (it
    was started in a session of its own), on Windows its process tree (taskkill /T)."""
    try:
        if os.name == "nt":
            taskkill = os.path.join(os.environ.get("SystemRoot", r"C:\Windows"), "System32", "taskkill.exe")
            subprocess.run(
                [taskkill, "/T", "/F", "/PID", str(process.pid)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
            )
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (OSError, subprocess.SubprocessError):
        pass
    process.kill()  # the command itself, should the above have missed it
    try:
        # Returns once the pipes close, as they do when the whole tree has gone. A process that left the tree (its
        # own session, or one whose parent died before taskkill could follow the link) may still hold them: then
        # stop waiting for the output rather than hang a scheduled run.
        process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.wait()
