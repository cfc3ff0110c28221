"""OAuth 2.0 for SMTP (issue 20), through the real CLI against real servers on loopback: an aiosmtpd server that
offers only XOAUTH2 and checks the mailbox and the bearer token, and an HTTPS identity endpoint (a trustme
certificate, trusted through REQUESTS_CA_BUNDLE) serving OpenID discovery and the client-credentials token endpoint,
driven by the real msal through `authority`."""

import base64
import datetime as dt
import functools
import json
import os
import sqlite3
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from helpers import cli, plans
from helpers.cli import contents
from helpers.cli import run_ilacs as ilacs
from helpers.net import free_port
from helpers.paths import TESTS
from helpers.plans import KHAN, REMINDER_ACTIONS, REMINDER_OWNERS, WATSON, copy_of
from helpers.processes import gone_within
from helpers.smtp import Mailbox, send_reminders, start_smtp

ok = functools.partial(cli.ok, strip=True)  # every output here is an id or a line compared whole

MAILBOX = "ilacs@council.example.gov.uk"
TENANT = "council.example.gov.uk"
CLIENT_ID = "0f3e2c1a-7b6d-4e5f-9a8b-1c2d3e4f5a6b"
SECRET = "Qx8~sEcReT.vAlUe_only-in-env"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.test-access-token.sig"
SCOPE = "https://outlook.office365.com/.default"
# aiosmtpd warns when AUTH is required without TLS: these servers are on loopback, and one test does use STARTTLS
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
    "Visit https://aka.ms/smtp_auth_disabled for more information."
)


@pytest.fixture(scope="module")
def plan_template(seeded_template, tmp_path_factory):
    """Two owners with addresses, A Watson's action overdue and C Jones's (sent to the coordinator) due soon on
    2 Jan 2024: two digests (built once)."""
    actions = [REMINDER_ACTIONS["late"], REMINDER_ACTIONS["unaddressed"]]
    db, _ = plans.plan_template(
        seeded_template, tmp_path_factory.mktemp("plan"), actions, owners=REMINDER_OWNERS, owners_first=True
    )
    return db


@pytest.fixture()
def db(plan_template, tmp_path):
    return copy_of(plan_template, tmp_path)


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    import trustme

    authority = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, path


# -- the identity platform: OpenID discovery and the client-credentials token endpoint --------------------------


class Identity:
    def __init__(self, base):
        self.base = base
        self.discoveries = []  # paths asked for
        self.token_requests = []  # the token endpoint's form fields
        self.answer = None  # (status, JSON) to give the token endpoint's next callers instead of checking
        self.certificate = None  # the client certificate (cryptography), to check a client assertion against

    def authority(self, tenant=TENANT):
        return f"{self.base}/{tenant}"

    def token_endpoint(self, tenant=TENANT):
        return f"{self.base}/{tenant}/oauth2/v2.0/token"

    def answer_token(self, form):
        if self.answer:
            return self.answer
        if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
            return 400, {"error": "invalid_request", "error_description": "AADSTS900144: bad grant or scope"}
        if form.get("client_id") != CLIENT_ID:
            return 400, {
                "error": "unauthorized_client",
                "error_codes": [700016],
                "error_description": f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the "
                f"directory '{TENANT}'. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-11-30 06:00:00Z",
            }
        if "client_assertion" in form:
            return (
                (200, self.grant())
                if self.assertion_valid(form)
                else (401, {"error": "invalid_client", "error_description": "AADSTS700027: Client assertion failed"})
            )
        if form.get("client_secret") != SECRET:
            return 401, {
                "error": "invalid_client",
                "error_codes": [7000215],
                "error_description": f"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request "
                f"is the client secret value, not the client secret ID, for a secret added to app "
                f"'{CLIENT_ID}'. Trace ID: 3 Correlation ID: 4 Timestamp: 2026-11-30 06:00:00Z",
            }
        return 200, self.grant()

    def grant(self):
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN}

    def assertion_valid(self, form):
        import jwt
        from cryptography.hazmat.primitives import hashes

        assertion = form["client_assertion"]
        header = jwt.get_unverified_header(assertion)
        try:
            claims = jwt.decode(
                assertion, self.certificate.public_key(), algorithms=["RS256", "PS256"], audience=self.token_endpoint()
            )
        except jwt.PyJWTError:  # signed by another key
            return False
        digest = hashes.SHA256() if header["alg"] == "PS256" else hashes.SHA1()
        thumbprint = base64.urlsafe_b64encode(self.certificate.fingerprint(digest)).rstrip(b"=").decode()
        self.assertion_header = header
        return (
            form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            and claims["iss"] == claims["sub"] == CLIENT_ID
            and header.get("x5t#S256" if header["alg"] == "PS256" else "x5t", "").rstrip("=") == thumbprint
        )

    def openid_configuration(self, tenant):
        if tenant != TENANT:
            return 400, {
                "error": "invalid_tenant",
                "error_description": f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
                "and are signing into the correct cloud. Trace ID: 5 Correlation ID: 6",
            }
        base = f"{self.base}/{tenant}"
        return 200, {
            "issuer": f"{base}/v2.0",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        }


class IdentityHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        identity = self.server.identity
        identity.discoveries.append(self.path)
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            self.reply(*identity.openid_configuration(parts[0]))
        else:
            self.reply(404, {"error": "not_found"})

    def do_POST(self):
        identity = self.server.identity
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = {key: values[0] for key, values in parse_qs(body).items()}
        if self.path.split("?")[0] != f"/{TENANT}/oauth2/v2.0/token":
            return self.reply(404, {"error": "not_found"})
        identity.token_requests.append(form)
        self.reply(*identity.answer_token(form))

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture()
def identity(ca):
    authority, _ = ca
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), IdentityHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.identity = Identity(f"https://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.identity
    finally:
        server.shutdown()
        server.server_close()


# -- an SMTP server that offers XOAUTH2 and nothing else ------------------------------------------------------


class OAuthMailbox(Mailbox):
    def __init__(self):
        super().__init__()
        self.auths = []  # the decoded XOAUTH2 initial responses
        self.refuse = None  # an answer to give every XOAUTH2 attempt, e.g. DISABLED

    async def auth_XOAUTH2(self, server, args):
        from aiosmtpd.smtp import AuthResult

        blob = args[1] if len(args) == 2 else await server.challenge_auth("", encode_to_b64=False)
        text = base64.b64decode(blob).decode()
        self.auths.append(text)
        if self.refuse:
            return AuthResult(success=False, handled=False, message=self.refuse)
        if text != f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01":
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        return AuthResult(success=True, auth_data=MAILBOX)


def oauth_server(handler, **tls):
    """start_smtp for a server that takes XOAUTH2 only, with STARTTLS when given `tls` options."""
    return start_smtp(
        handler, auth_exclude_mechanism=["LOGIN", "PLAIN"], auth_require_tls=bool(tls), auth_required=True, **tls
    )


@pytest.fixture()
def oauth_smtp():
    mailbox = OAuthMailbox()
    controller, port = oauth_server(mailbox)
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture()
def env(tmp_path, identity, oauth_smtp, ca):
    """The environment for `auth = "microsoft"` through the local identity endpoint and XOAUTH2 server."""
    _, port = oauth_smtp
    return {
        "ILACS_SMTP_HOST": "127.0.0.1",
        "ILACS_SMTP_PORT": str(port),
        "ILACS_SMTP_SECURITY": "none",
        "ILACS_SMTP_FROM": f"ILACS reminders <{MAILBOX}>",
        "ILACS_SMTP_TIMEOUT": "10",
        "ILACS_SMTP_AUTH": "microsoft",
        "ILACS_SMTP_USER": MAILBOX,
        "ILACS_SMTP_TENANT": TENANT,
        "ILACS_SMTP_CLIENT_ID": CLIENT_ID,
        "ILACS_SMTP_AUTHORITY": identity.authority(),
        "ILACS_SMTP_CLIENT_SECRET": SECRET,
        "REQUESTS_CA_BUNDLE": str(ca[1]),
        "NO_PROXY": "127.0.0.1,localhost",
        # a keyring of our own, never the machine's: an empty JSON file until set-secret fills it
        "PYTHON_KEYRING_BACKEND": "helpers.file_keyring.FileKeyring",
        "ILACS_TEST_KEYRING": str(tmp_path / "keyring.json"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
    }


def without(env, *names):
    return {key: value for key, value in env.items() if key not in names}


def assert_no_secret(db, *outputs, secrets=(SECRET, TOKEN)):
    """Neither the secret nor the token in any output, the database file (and its WAL), or the sent log."""
    files = b"".join(path.read_bytes() for path in db.parent.glob(db.name + "*"))
    with sqlite3.connect(db) as conn:
        log = json.dumps(conn.execute("SELECT * FROM reminders_sent").fetchall())
    for secret in secrets:
        assert secret.encode() not in files and secret not in log
        for output in outputs:
            assert secret not in output.stdout and secret not in output.stderr


def assert_one_reason(out, *words):
    """Nothing sent; the first line names the problem and its fix; no traceback."""
    assert out.returncode == 1 and out.stdout == ""
    assert "Traceback" not in out.stderr
    first = out.stderr.splitlines()[0]
    assert first.startswith(f"ilacs: not sent to A Watson <{WATSON}>: "), out.stderr
    for word in words:
        assert word in first, out.stderr
    assert len(out.stderr.splitlines()) == 3, out.stderr  # the reason, the other digest, the count: no log noise
    assert out.stderr.splitlines()[1].startswith(
        f"ilacs: not sent to B Khan <{KHAN}>: not tried, as sending stopped ("
    )  # fatal
    assert out.stderr.rstrip().endswith(
        "2 of 2 reminders not sent (0 sent and logged): fix the cause and re-run the same command to send only the rest"
    ), out.stderr


# -- delivering ------------------------------------------------------------------------------------------------


def test_microsoft_delivers_every_digest_once(db, env, identity, oauth_smtp):
    mailbox, _ = oauth_smtp
    out = send_reminders(db, env, "--verbose")
    assert out.returncode == 0, out.stderr
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    assert mailbox.messages[0][1]["From"] == f"ILACS reminders <{MAILBOX}>"
    assert mailbox.auths == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"]  # one connection, one login
    assert len(identity.token_requests) == 1  # one token for the run
    request = identity.token_requests[0]
    assert (request["grant_type"], request["scope"], request["client_id"], request["client_secret"]) == (
        "client_credentials",
        SCOPE,
        CLIENT_ID,
        SECRET,
    )
    assert identity.discoveries == [f"/{TENANT}/v2.0/.well-known/openid-configuration"]  # no instance discovery
    again = send_reminders(db, env)
    assert again.returncode == 0 and len(mailbox.messages) == 2
    assert len(identity.token_requests) == 1  # nothing to send: no token asked for
    assert_no_secret(db, out, again)


def test_token_command_delivers(db, env, oauth_smtp, tmp_path):
    mailbox, _ = oauth_smtp
    script = tmp_path / "print-token.py"
    script.write_text(f"print({TOKEN!r})\n")
    command_env = {
        **without(env, "ILACS_SMTP_CLIENT_SECRET", "ILACS_SMTP_CLIENT_ID", "ILACS_SMTP_TENANT"),
        "ILACS_SMTP_AUTH": "token-command",
        "ILACS_SMTP_TOKEN_COMMAND": f"{sys.executable} {script}",
    }
    out = send_reminders(db, command_env)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    assert mailbox.auths == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"]
    assert_no_secret(db, out)


def test_wrong_secret_sends_nothing_then_the_right_one_sends_all_once(db, env, identity, oauth_smtp):
    mailbox, _ = oauth_smtp
    before = contents(db)
    wrong = send_reminders(db, {**env, "ILACS_SMTP_CLIENT_SECRET": "not-the-secret"})
    assert_one_reason(wrong, "AADSTS7000215", "ilacs mail set-secret")
    assert "not-the-secret" not in wrong.stderr
    assert mailbox.messages == [] and mailbox.auths == []  # the SMTP server was not even asked
    assert contents(db) == before
    right = send_reminders(db, env)
    assert right.returncode == 0, right.stderr
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    assert send_reminders(db, env).returncode == 0 and len(mailbox.messages) == 2
    assert_no_secret(db, wrong, right)


@pytest.mark.parametrize(
    "answer, words",
    [
        (
            (
                401,
                {
                    "error": "invalid_client",
                    "error_codes": [7000222],
                    "error_description": "AADSTS7000222: The provided client secret keys for app '0f3e' are expired. Trace ID: 7 Correlation ID: 8",
                },
            ),
            ["has expired", "AADSTS7000222", "Certificates & secrets"],
        ),
        (
            (
                400,
                {
                    "error": "invalid_grant",
                    "error_codes": [65001],
                    "error_description": "AADSTS65001: The user or administrator has not consented to use the application. Trace ID: 9",
                },
            ),
            ["AADSTS65001", "SMTP.SendAsApp", "Grant admin consent"],
        ),
        (
            (
                400,
                {
                    "error": "invalid_resource",
                    "error_description": "AADSTS500011: The resource principal named "
                    "https://outlook.office365.com was not found in the tenant named Council.",
                },
            ),
            ["AADSTS500011", "Exchange Online"],
        ),
        (
            (400, {"error": "unsupported_something", "error_description": "AADSTS9999999: Something new. Trace ID: 1"}),
            ["AADSTS9999999: Something new", "check the app registration"],
        ),
    ],
)
def test_identity_platform_refusals_name_the_fix(db, env, identity, oauth_smtp, answer, words):
    mailbox, _ = oauth_smtp
    identity.answer = answer
    before = contents(db)
    out = send_reminders(db, env)
    assert_one_reason(out, *words)
    assert "Trace ID" not in out.stderr
    assert mailbox.messages == [] and mailbox.auths == [] and contents(db) == before
    assert_no_secret(db, out)


def test_unknown_app_tenant_and_unreachable_platform(db, env, identity, oauth_smtp):
    mailbox, _ = oauth_smtp
    before = contents(db)
    unknown_app = send_reminders(db, {**env, "ILACS_SMTP_CLIENT_ID": "11111111-2222-3333-4444-555555555555"})
    assert_one_reason(unknown_app, "AADSTS700016", "11111111-2222-3333-4444-555555555555", "check client_id")
    unknown_tenant = send_reminders(
        db, {**env, "ILACS_SMTP_TENANT": "nosuch.example", "ILACS_SMTP_AUTHORITY": identity.authority("nosuch.example")}
    )
    assert_one_reason(unknown_tenant, "knows no tenant nosuch.example", "AADSTS90002")
    closed = f"127.0.0.1:{free_port()}"
    unreachable = send_reminders(db, {**env, "ILACS_SMTP_AUTHORITY": f"https://{closed}/{TENANT}"})
    assert_one_reason(unreachable, f"cannot reach the Microsoft identity platform at {closed}", "HTTPS_PROXY")
    untrusted = send_reminders(db, without(env, "REQUESTS_CA_BUNDLE"))
    assert_one_reason(untrusted, "cannot verify the TLS certificate of 127.0.0.1", "REQUESTS_CA_BUNDLE")
    assert mailbox.messages == [] and mailbox.auths == [] and contents(db) == before
    assert_no_secret(db, unknown_app, unknown_tenant, unreachable, untrusted)


@pytest.mark.parametrize(
    "refusal, words",
    [
        (DISABLED, ["5.7.139", f"Set-CASMailbox -Identity {MAILBOX} -SmtpClientAuthenticationDisabled $false"]),
        (
            "535 5.7.3 Authentication unsuccessful [LO4P123CA0001.GBRP123.PROD.OUTLOOK.COM]",
            [
                "535 5.7.3 Authentication unsuccessful",
                "SMTP.SendAsApp",
                "New-ServicePrincipal",
                "Add-MailboxPermission",
            ],
        ),
    ],
)
def test_smtp_auth_refusals_name_the_fix(db, env, oauth_smtp, refusal, words):
    mailbox, _ = oauth_smtp
    mailbox.refuse = refusal
    before = contents(db)
    out = send_reminders(db, env)
    assert_one_reason(out, *words)
    assert len(mailbox.auths) == 1 and mailbox.messages == [] and contents(db) == before
    mailbox.refuse = None
    rerun = send_reminders(db, env)
    assert rerun.returncode == 0 and [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    assert_no_secret(db, out, rerun)


def test_server_without_xoauth2(db, env, smtp_server):
    password_only, password_env = smtp_server  # conftest's server: AUTH LOGIN PLAIN
    out = send_reminders(db, {**env, "ILACS_SMTP_PORT": password_env["ILACS_SMTP_PORT"]})
    assert_one_reason(out, "does not offer XOAUTH2 (it offers LOGIN PLAIN)", "smtp.office365.com, port 587")
    assert password_only.messages == [] and password_only.logins == []


def test_token_command_that_fails_or_prints_nothing(db, env, oauth_smtp, tmp_path):
    mailbox, _ = oauth_smtp
    base = {**env, "ILACS_SMTP_AUTH": "token-command"}
    before = contents(db)
    for code, words in [
        (
            "import sys; sys.stderr.write('no cached credentials\\n'); sys.exit(3)",
            ["failed (exit status 3: no cached credentials)", "run it by hand"],
        ),
        ("print('   ')", ["printed nothing"]),
        ("print('tok1'); print('tok2')", ["printed more than one access token"]),
    ]:
        script = tmp_path / "token.py"
        script.write_text(code)
        out = send_reminders(db, {**base, "ILACS_SMTP_TOKEN_COMMAND": f"{sys.executable} {script}"})
        assert_one_reason(out, *words)
    missing = send_reminders(
        db, {**base, "ILACS_SMTP_TOKEN_COMMAND": str(tmp_path / "no-such-tool") + " --print-token"}
    )
    cli.refusal(missing, code=1, says=f"token_command names {tmp_path}/no-such-tool, which does not exist")
    assert mailbox.messages == [] and mailbox.auths == [] and contents(db) == before


@pytest.mark.parametrize("command_waits", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_token_command_past_its_limit_is_stopped_with_all_it_started(db, env, oauth_smtp, tmp_path, command_waits):
    """A grandchild holding the command's stdout (what keeps a pipe open after the command itself exits) is ended
    with it, and ilacs does not wait out its 60 s."""
    mailbox, _ = oauth_smtp
    script, pid_file = tmp_path / "slow-token.py", tmp_path / "grandchild.pid"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, subprocess, sys, time\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])  # inherits stdout\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(grandchild.pid))\n"
        + ("time.sleep(60)\n" if command_waits else "")
    )
    script.chmod(0o755)
    slow_env = {
        **env,
        "ILACS_SMTP_AUTH": "token-command",
        "ILACS_SMTP_TIMEOUT": "1",
        "ILACS_SMTP_TOKEN_COMMAND": str(script),
    }
    out = send_reminders(db, slow_env, timeout=30)  # a guard against hanging, not a measure of speed
    assert_one_reason(out, "token_command slow-token.py printed no token within 1 s (the timeout key)", "was stopped")
    assert mailbox.messages == [] and mailbox.auths == []
    assert gone_within(int(pid_file.read_text()), 10)


TOKEN_SCRIPT = """#!{python}
import sys
if sys.argv[1:] != ["two words", "--scope", "https://mail.google.com/"]:
    sys.exit(f"unexpected arguments {{sys.argv[1:]}}")
print({token!r})
"""


def token_script(path):
    """An executable script at `path` that prints TOKEN when given exactly the arguments
    ["two words", "--scope", "https://mail.google.com/"], and fails otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TOKEN_SCRIPT.format(python=sys.executable, token=TOKEN))
    path.chmod(0o755)
    return path


def token_env(env):
    """env for `auth = "token-command"`, without the Microsoft settings and without ILACS_SMTP_TOKEN_COMMAND."""
    return {
        **without(env, "ILACS_SMTP_CLIENT_SECRET", "ILACS_SMTP_CLIENT_ID", "ILACS_SMTP_TENANT"),
        "ILACS_SMTP_AUTH": "token-command",
    }


def test_token_command_as_an_array_is_the_argv_as_is(db, env, oauth_smtp, tmp_path):
    mailbox, _ = oauth_smtp
    script = token_script(tmp_path / "get token.py")
    config = tmp_path / "config.toml"  # the file ILACS_CONFIG names in every test
    config.write_text(
        f"[smtp]\ntoken_command = ['{sys.executable}', '{script}', 'two words', '--scope', "
        "'https://mail.google.com/']\n"
    )
    out = send_reminders(db, token_env(env))
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    assert mailbox.auths == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"]
    assert_no_secret(db, out)


def test_token_command_named_without_its_folder_is_found_on_path(env, oauth_smtp, tmp_path):
    mailbox, _ = oauth_smtp
    tools = tmp_path / "tools"
    token_script(tools / "get-ilacs-token")
    config = tmp_path / "config.toml"
    config.write_text(
        "[smtp]\ntoken_command = ['get-ilacs-token', 'two words', '--scope', 'https://mail.google.com/']\n"
    )
    path_env = {**token_env(env), "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    out = ilacs("mail", "check", env=path_env)
    assert out.returncode == 0, out.stderr
    assert f"ok  token: printed by token_command {tools}/get-ilacs-token" in out.stdout.splitlines()
    assert mailbox.auths == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"] and mailbox.messages == []


def test_token_command_string_with_a_path_holding_spaces(db, env, oauth_smtp, tmp_path):
    """The string form on Linux and macOS: split as a POSIX shell would, quotes grouping words."""
    mailbox, _ = oauth_smtp
    script = token_script(tmp_path / "token tools" / "print token.py")
    command = f"\"{script}\" 'two words' --scope https://mail.google.com/"
    out = send_reminders(db, {**token_env(env), "ILACS_SMTP_TOKEN_COMMAND": command})
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert mailbox.auths == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"]
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    unclosed = send_reminders(db, {**token_env(env), "ILACS_SMTP_TOKEN_COMMAND": f'"{script} --scope x'})
    cli.refusal(
        unclosed,
        code=1,
        says=[
            "token_command cannot be split into words (No closing quotation): fix ILACS_SMTP_TOKEN_COMMAND, or "
            'unset it and write it as an array of strings, token_command = ["program", "argument", ...], in [smtp] in',
        ],
    )


def test_a_string_is_split_the_windows_way_for_windows():
    """On Windows a string is split as Windows programs split their command line: backslashes are kept, double
    quotes group words and go; single quotes are ordinary characters. What it would read otherwise is refused."""
    from ilacs_cli.mail.config import split_command

    assert split_command(r"C:\Tools\get-token.exe --tenant x", "nt") == [r"C:\Tools\get-token.exe", "--tenant", "x"]
    assert split_command(r'"C:\Program Files\az.cmd" account get-access-token', "nt") == [
        r"C:\Program Files\az.cmd",
        "account",
        "get-access-token",
    ]
    assert split_command(
        r'"C:\Program Files\Microsoft SDKs\Azure\CLI2\wbin\az.cmd" account get-access-token --resource '
        r'"https://outlook.office365.com" --query accessToken -o tsv',
        "nt",
    ) == [
        r"C:\Program Files\Microsoft SDKs\Azure\CLI2\wbin\az.cmd",
        "account",
        "get-access-token",
        "--resource",
        "https://outlook.office365.com",
        "--query",
        "accessToken",
        "-o",
        "tsv",
    ]
    assert split_command("get-token --name 'two words' \"\"", "nt") == ["get-token", "--name", "'two", "words'", ""]
    assert split_command(r"C:\Tools\get-token.exe --tenant x", "posix") == ["C:Toolsget-token.exe", "--tenant", "x"]
    for refused in [
        r'"C:\Program Files\az.cmd account',  # a quote left open
        r'"C:\Tools"\get-token.exe',  # Windows reads one word: C:\Tools\get-token.exe
        r'get-token --name a"b c"',  # Windows reads: --name, ab c
        r'"C:\Tools\" --tenant x',  # Windows reads \" as a quote
    ]:
        with pytest.raises(ValueError):
            split_command(refused, "nt")


@pytest.mark.parametrize(
    "setting, says",
    [
        ("token_command = []", "token_command is an empty array: it needs at least the program: write every word"),
        (
            "token_command = ['get-token', 3]",
            "token_command's word 2 is an integer (3), not a string: write every word as a string, "
            'token_command = ["program", "argument", ...], in [smtp] in',
        ),
        ("token_command = 3", "token_command is an integer: write it as an array of strings"),
        (
            "token_command = ['no-such-token-tool-26', '--print-token']",
            "token_command names no-such-token-tool-26, which is not on PATH: give the program's full path, or add "
            "its folder to PATH: set ILACS_SMTP_TOKEN_COMMAND or [smtp] token_command in",
        ),
        ("token_command = ['', 'x']", "token_command's first word, the program, is empty"),
        ("token_command = ['{tmp}/not-executable.py']", "which is not executable: chmod +x it"),
    ],
    ids=["empty array", "a number", "not an array", "unknown program", "empty program", "not executable"],
)
def test_token_command_refused_in_one_line(db, env, oauth_smtp, tmp_path, setting, says):
    mailbox, _ = oauth_smtp
    (tmp_path / "not-executable.py").write_text(f"print({TOKEN!r})\n")
    (tmp_path / "config.toml").write_text("[smtp]\n" + setting.replace("{tmp}", str(tmp_path)) + "\n")
    before = contents(db)
    sent = send_reminders(db, token_env(env))
    checked = ilacs("mail", "check", env=token_env(env))
    for out in (sent, checked):
        assert out.stdout == ""
        cli.refusal(out, code=1, says=says)
    assert mailbox.messages == [] and mailbox.auths == [] and contents(db) == before


# -- settings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "drop, extra, words",
    [
        (
            "ILACS_SMTP_TENANT",
            {"ILACS_SMTP_AUTHORITY": ""},
            ["needs the Directory (tenant) ID", "set ILACS_SMTP_TENANT or [smtp] tenant in"],
        ),
        ("ILACS_SMTP_CLIENT_ID", {}, ["Application (client) ID", "set ILACS_SMTP_CLIENT_ID or [smtp] client_id in"]),
        ("ILACS_SMTP_USER", {}, ["needs the mailbox to send from", "ILACS_SMTP_USER"]),
        (
            "ILACS_SMTP_CLIENT_SECRET",
            {},
            [f"no client secret for client id {CLIENT_ID} in the keyring", "ilacs mail set-secret"],
        ),
        (None, {"ILACS_SMTP_AUTH": "kerberos"}, ["SMTP auth 'kerberos' is not one of password, none, microsoft"]),
        (None, {"ILACS_SMTP_AUTHORITY": "http://127.0.0.1/x"}, ["must be an https:// address"]),
        (
            None,
            {"ILACS_SMTP_AUTH": "token-command"},
            ["needs the command that prints an access token", "ILACS_SMTP_TOKEN_COMMAND"],
        ),
    ],
)
def test_missing_settings_are_one_line_naming_the_key(db, env, oauth_smtp, drop, extra, words):
    mailbox, _ = oauth_smtp
    before = contents(db)
    out = send_reminders(db, {**without(env, drop), **extra})
    assert out.returncode == 1 and out.stdout == "" and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    for word in words:
        assert word in out.stderr
    assert mailbox.messages == [] and contents(db) == before


def test_config_file_keys_and_the_secret_refused_there(db, env, oauth_smtp, tmp_path):
    mailbox, port = oauth_smtp
    config = tmp_path / "config.toml"  # the file ILACS_CONFIG names in every test
    secret_file = tmp_path / "client-secret"
    secret_file.write_text(SECRET + "\n")
    settings = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "{MAILBOX}"\n'
        f'auth = "microsoft"\nuser = "{MAILBOX}"\ntenant = "{TENANT}"\nclient_id = "{CLIENT_ID}"\n'
        f'authority = "{env["ILACS_SMTP_AUTHORITY"]}"\nclient_secret_file = "{secret_file}"\n'
    )
    config.write_text(settings)
    file_env = without(env, *[name for name in env if name.startswith("ILACS_SMTP_")])
    out = send_reminders(db, file_env)
    assert out.returncode == 0, out.stderr
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    config.write_text(settings + f'client_secret = "{SECRET}"\n')
    refused = ilacs("mail", "check", env=file_env)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "[smtp] client_secret is not read from the config file: run `ilacs mail set-secret`" in refused.stderr
    assert_no_secret(db, out, refused)


# -- ilacs mail check | test | set-secret ------------------------------------------------------------------------


def test_mail_check_says_what_worked_and_sends_nothing(db, env, identity, oauth_smtp):
    mailbox, port = oauth_smtp
    before = contents(db)
    out = ilacs("mail", "check", env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok  settings",
        "ok  connect",
        "ok  TLS",
        "ok  token",
        "ok  login",
        "all steps worked; nothing was sent",
    ]
    assert "credential from ILACS_SMTP_CLIENT_SECRET" in lines[0]
    assert lines[1] == f"ok  connect: 127.0.0.1:{port} answered"
    assert lines[3] == f"ok  token: from {identity.authority()} for {SCOPE}, valid for 59 min"
    assert lines[4] == f"ok  login: 127.0.0.1 accepted {MAILBOX} with XOAUTH2"
    assert mailbox.messages == [] and len(mailbox.auths) == 1 and contents(db) == before
    wrong = ilacs("mail", "check", env={**env, "ILACS_SMTP_CLIENT_SECRET": "not-the-secret"})
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert [line.split(":")[0] for line in wrong.stdout.splitlines()] == ["ok  settings", "ok  connect", "ok  TLS"]
    assert wrong.stderr.startswith("ilacs: Entra ID (127.0.0.1:") and "AADSTS7000215" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    mailbox.refuse = DISABLED
    disabled = ilacs("mail", "check", env=env)
    assert disabled.returncode == 1 and "ok  token" in disabled.stdout and "ok  login" not in disabled.stdout
    assert "Set-CASMailbox" in disabled.stderr and len(disabled.stderr.strip().splitlines()) == 1
    assert mailbox.messages == []
    assert_no_secret(db, out, wrong, disabled)


def test_mail_check_over_starttls(env, ca, tmp_path):
    """STARTTLS with a certificate checked against the CA the system trusts (SSL_CERT_FILE here)."""
    authority, ca_path = ca
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    mailbox = OAuthMailbox()
    controller, port = oauth_server(mailbox, tls_context=context, require_starttls=True)
    try:
        tls_env = {
            **env,
            "ILACS_SMTP_PORT": str(port),
            "ILACS_SMTP_SECURITY": "starttls",
            "SSL_CERT_FILE": str(ca_path),
        }
        out = ilacs("mail", "check", env=tls_env)
        assert out.returncode == 0, out.stderr
        assert "ok  TLS: STARTTLS, TLSv1.3, certificate verified for 127.0.0.1" in out.stdout
        untrusted = ilacs("mail", "check", env=without(tls_env, "SSL_CERT_FILE"))
        assert untrusted.returncode == 1 and "ok  connect" in untrusted.stdout and "ok  TLS" not in untrusted.stdout
        assert (
            untrusted.stderr.startswith("ilacs: TLS with 127.0.0.1:")
            and "cannot verify its certificate" in untrusted.stderr
            and "SSL_CERT_FILE" in untrusted.stderr
        )
    finally:
        controller.stop()
    assert mailbox.messages == []


def test_mail_test_sends_one_message(env, oauth_smtp):
    mailbox, _ = oauth_smtp
    out = ilacs("mail", "test", "--to", "Performance Team <performance@council.example.gov.uk>", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("sent a test message to performance@council.example.gov.uk (<")
    assert [rcpt for rcpt, _ in mailbox.messages] == [["performance@council.example.gov.uk"]]
    assert mailbox.messages[0][1]["Subject"] == "ILACS test message"
    refused = ilacs("mail", "test", "--to", "someone@example.org", env={**env, "ILACS_SMTP_CLIENT_SECRET": "x"})
    assert refused.returncode == 1 and refused.stderr.startswith("ilacs: Entra ID") and len(mailbox.messages) == 1


def test_set_secret_stores_it_in_the_keyring_for_sending(db, env, oauth_smtp, tmp_path):
    mailbox, _ = oauth_smtp
    keyring_env = without(env, "ILACS_SMTP_CLIENT_SECRET")
    stored = ilacs_input("mail", "set-secret", stdin=SECRET + "\n", env=keyring_env)
    assert stored.returncode == 0, stored.stderr
    assert f"stored the client secret for client id {CLIENT_ID} in the keyring" in stored.stdout
    assert json.loads(Path(env["ILACS_TEST_KEYRING"]).read_text()) == {f"ilacs/{CLIENT_ID}": SECRET}
    check = ilacs("mail", "check", env=keyring_env)
    assert check.returncode == 0 and f"credential from the keyring (service ilacs, user {CLIENT_ID})" in check.stdout
    out = send_reminders(db, keyring_env)
    assert out.returncode == 0 and [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    empty = ilacs_input("mail", "set-secret", stdin="\n", env=keyring_env)
    assert empty.returncode == 1 and "no secret given: nothing stored" in empty.stderr
    assert_no_secret(db, stored, check, out, empty)


def ilacs_input(*args, stdin, env):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "ilacs_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


@pytest.mark.slow  # three RSA keys made and four ilacs runs: about 2.5 s
@pytest.mark.parametrize("with_thumbprint", [True, False])
def test_client_certificate(db, env, identity, oauth_smtp, ca, tmp_path, with_thumbprint):
    """A certificate instead of a secret: msal signs a client assertion that the token endpoint checks."""
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    mailbox, _ = oauth_smtp
    leaf = ca[0].issue_cert("ilacs-reminders", key_type=trustme.KeyType.RSA)  # Entra ID takes RSA keys
    pem = tmp_path / "ilacs-app.pem"
    pem.write_bytes(leaf.private_key_pem.bytes() + leaf.cert_chain_pems[0].bytes())
    identity.certificate = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    cert_env = {**without(env, "ILACS_SMTP_CLIENT_SECRET"), "ILACS_SMTP_CLIENT_CERTIFICATE_FILE": str(pem)}
    if with_thumbprint:
        cert_env["ILACS_SMTP_CLIENT_CERTIFICATE_THUMBPRINT"] = identity.certificate.fingerprint(hashes.SHA1()).hex()
    out = send_reminders(db, cert_env)
    assert out.returncode == 0, out.stderr
    assert [rcpt for rcpt, _ in mailbox.messages] == [[WATSON], [KHAN]]
    assert "client_secret" not in identity.token_requests[0]
    assert identity.assertion_header["alg"] == ("RS256" if with_thumbprint else "PS256")
    other = ca[0].issue_cert("someone-else", key_type=trustme.KeyType.RSA)
    identity.certificate = x509.load_pem_x509_certificate(other.cert_chain_pems[0].bytes())
    refused = ilacs("mail", "check", env=cert_env)
    assert refused.returncode == 1 and "AADSTS700027" in refused.stderr and "client_certificate" in refused.stderr
    elliptic = ca[0].issue_cert("ilacs-reminders")  # trustme's default: an EC key, which msal cannot sign RS256 with
    pem.write_bytes(elliptic.private_key_pem.bytes() + elliptic.cert_chain_pems[0].bytes())
    wrong_key = ilacs("mail", "check", env=cert_env)
    assert wrong_key.returncode == 1 and "Traceback" not in wrong_key.stderr
    assert "client_certificate_file must hold the certificate's RSA private key" in wrong_key.stderr
    assert len(wrong_key.stderr.strip().splitlines()) == 1


# -- start-up cost ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["overdue", "--help"], ["remind", "--help"], ["mail", "--help"], ["--help"]])
def test_read_commands_do_not_import_the_mail_libraries(args):
    import subprocess

    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "ilacs_cli", *args], capture_output=True, text=True)
    assert out.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in out.stderr.splitlines() if "|" in line}
    assert "ilacs_cli" in imported
    assert not imported & {"msal", "keyring", "requests", "cryptography", "jwt", "smtplib", "urllib3"}, imported


def test_mail_check_with_a_password_and_with_a_relay(smtp_server):
    mailbox, password_env = smtp_server  # conftest's server: AUTH LOGIN PLAIN, accepts any password
    out = ilacs("mail", "check", env={**password_env, "ILACS_SMTP_USER": "ilacs", "ILACS_SMTP_PASSWORD": "pw"})
    assert out.returncode == 0, out.stderr
    assert "ok  login: 127.0.0.1 accepted ilacs with a password" in out.stdout and mailbox.logins == [("ilacs", "pw")]
    relay = ilacs("mail", "check", env=password_env)
    assert relay.returncode == 0 and 'ok  login: none configured (auth = "none")' in relay.stdout
    assert len(mailbox.logins) == 1 and mailbox.messages == []


# -- the inbox: XOAUTH2 for IMAP with the same app registration, against Dovecot ----------------------------------


def test_microsoft_reads_the_inbox_by_xoauth2_with_the_same_app(db, env, identity, imap):
    """`[inbox] auth = "microsoft"`: a token for SCOPE from the identity endpoint with the [smtp] app's
    credentials, presented to Dovecot by XOAUTH2; Dovecot's oauth2 passdb checks it with its introspection
    endpoint (tests/helpers/dovecot.py), which is told that the platform's token is the mailbox's."""
    from email.message import EmailMessage

    from helpers.dovecot import MAILBOX as INBOX

    from ilacs_cli.domain.replies import mint_token

    key = "a-test-reply-key-of-at-least-32-characters"
    with sqlite3.connect(db) as conn:
        (late,) = conn.execute("SELECT id FROM actions WHERE title = 'Audit supervision records'").fetchone()
    message = EmailMessage()
    message["From"], message["Subject"], message["Message-ID"] = WATSON, "RE: ILACS", "<oauth-reply@x>"
    local, domain = INBOX.split("@")
    message["To"] = f"{local}+{mint_token(key.encode(), WATSON, [late], dt.date(2099, 12, 31))}@{domain}"
    message["Date"] = "Tue, 02 Jan 2024 09:15:00 +0000"
    message.set_content(f"{late} in progress: data requested\n")
    imap.append(bytes(message))
    inbox_env = {
        **imap.env(),
        "ILACS_INBOX_AUTH": "microsoft",
        "ILACS_INBOX_PASSWORD": "",
        "ILACS_REPLY_KEY": key,
        **{name: value for name, value in env.items() if name != "ILACS_SMTP_HOST"},
    }
    imap.introspection.active[TOKEN] = INBOX
    try:
        out = ilacs("inbox", db=db, env=inbox_env)
    finally:
        del imap.introspection.active[TOKEN]
    assert out.returncode == 0, out.stderr
    assert "recorded 1 reply, held 0" in out.stdout
    [request] = identity.token_requests
    assert (request["grant_type"], request["scope"], request["client_id"]) == ("client_credentials", SCOPE, CLIENT_ID)
    assert imap.introspection.asked[-1] == TOKEN and imap.message_ids() == []
    update = plans.history(db, late)["updates"][-1]
    assert (update["author"], update["new_status"], update["note"]) == ("A Watson", "in-progress", "data requested")
    # The same run with the platform refusing the secret: one line, nothing recorded, the message left alone.
    imap.append(bytes(message).replace(b"<oauth-reply@x>", b"<oauth-reply-2@x>"))
    refused = ilacs("inbox", db=db, env={**inbox_env, "ILACS_SMTP_CLIENT_SECRET": "wrong"})
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "AADSTS7000215" in refused.stderr or "secret" in refused.stderr.lower(), refused.stderr
    assert refused.stderr.startswith("ilacs: no token to log in to the IMAP server 127.0.0.1:"), refused.stderr
    assert imap.message_ids() == ["<oauth-reply-2@x>"]
