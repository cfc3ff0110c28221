"""A real IMAP server on loopback: Dovecot from Debian (`dovecot-imapd`, which .ci/run installs), started once per
session with a throwaway configuration: passwd-file logins, plaintext allowed on 127.0.0.1, IMAPS with a self-signed
certificate (trustme), each user's Maildir in a folder of the session. Messages are put in with imaplib's APPEND.
XOAUTH2 and OAUTHBEARER logins go to Dovecot's `oauth2` passdb, which checks each bearer token with a token
introspection endpoint (RFC 7662) the helper serves on loopback (Introspection).

Dovecot refuses to run its login processes as root and to give mail to uid 0: run as root, its processes take
Debian's `dovenull` and `dovecot` users and the Maildirs live in a folder those can reach (the session's tmp_path
is root's alone), removed after."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.net import free_port

MAILBOX = "ilacs@council.example.gov.uk"  # the council's inbox the replies come to
PASSWORD = "imap-secret"
# The one bearer token the identity endpoint's introspection calls active, and for MAILBOX (RFC 7662). Dovecot's
# `oauth2` passdb asks the endpoint about every token an XOAUTH2 or OAUTHBEARER login presents.
ACCESS_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.imap-access-token.sig"


@dataclass
class Dovecot:
    host: str
    port: int  # plain IMAP (plaintext login allowed: it is loopback)
    ssl_port: int  # IMAPS, with the certificate in ca_file
    ca_file: Path
    homes: Path
    introspection: Introspection | None = None  # the endpoint Dovecot checks bearer tokens with

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment for `ilacs inbox` to read MAILBOX with a password over plain IMAP."""
        return {
            "ILACS_INBOX_HOST": self.host,
            "ILACS_INBOX_PORT": str(self.port),
            "ILACS_INBOX_SECURITY": "none",
            "ILACS_INBOX_USER": MAILBOX,
            "ILACS_INBOX_PASSWORD": PASSWORD,
            "ILACS_INBOX_TIMEOUT": "10",
            **overrides,
        }

    @contextlib.contextmanager
    def connect(self):
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(MAILBOX, PASSWORD)
        try:
            yield imap
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def append(self, message: bytes, folder: str = "INBOX") -> None:
        with self.connect() as imap:
            if folder != "INBOX":
                imap.create(folder)
            kind, data = imap.append(folder, None, None, message)
            assert kind == "OK", data

    def message_ids(self, folder: str = "INBOX") -> list[str]:
        """The Message-ID headers of the messages in `folder` (none for a folder that does not exist)."""
        with self.connect() as imap:
            kind, _ = imap.select(folder, readonly=True)
            if kind != "OK":
                return []
            _, data = imap.uid("SEARCH", None, "ALL")
            found = []
            for uid in data[0].split():
                _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                header = parts[0][1].decode().strip()
                found.append(header.split(":", 1)[1].strip() if ":" in header else "")
            return found

    def empty(self) -> None:
        """Every folder of MAILBOX emptied (the server is shared by a session's tests)."""
        with self.connect() as imap:
            _, folders = imap.list()
            for line in folders or []:
                name = line.decode().rsplit(' "/" ', 1)[-1].strip().strip('"')
                if imap.select(f'"{name}"')[0] == "OK":
                    imap.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
                    imap.expunge()


class Introspection:
    """An OAuth 2.0 token introspection endpoint (RFC 7662) on loopback for Dovecot's `oauth2` passdb: a POST of
    `token=...` is answered `{"active": true, "username": ...}` for a token in `active` (ACCESS_TOKEN, for
    MAILBOX, unless a test grants another), else `{"active": false}`; each token asked about is kept in `asked`."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs

        asked = self.asked = []
        active = self.active = {ACCESS_TOKEN: MAILBOX}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                token = (form.get("token") or [""])[0]
                asked.append(token)
                answer = {"active": True, "username": active[token]} if token in active else {"active": False}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def why_not_runnable() -> str | None:
    if not shutil.which("dovecot"):
        return "dovecot is not installed (apt-get install dovecot-imapd; .ci/run installs it)"
    if os.geteuid() == 0:
        for user in ("dovecot", "dovenull"):
            try:
                pwd.getpwnam(user)
            except KeyError:
                return f"running as root, Dovecot needs Debian's user {user}, which does not exist"
    return None


def _config(folder: Path, homes: Path, port: int, ssl_port: int, cert: Path, key: Path) -> str:
    me = pwd.getpwuid(os.geteuid())
    root = os.geteuid() == 0
    internal, login = ("dovecot", "dovenull") if root else (me.pw_name, me.pw_name)
    mail_user = pwd.getpwnam("dovecot") if root else me
    return f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
default_internal_user = {internal}
default_internal_group = {internal if root else mail_user.pw_name}
default_login_user = {login}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {folder}/dovecot-oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={homes}/%u
}}
first_valid_uid = {mail_user.pw_uid}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@contextlib.contextmanager
def running_dovecot(folder: Path):
    """Dovecot serving MAILBOX (password PASSWORD) from `folder`; yields a Dovecot, stops it after."""
    import trustme

    if os.geteuid() == 0:  # Dovecot's users must reach its files: root's tmp_path is root's alone
        folder = Path(tempfile.mkdtemp(prefix="ilacs-dovecot-"))
        folder.chmod(0o755)
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    cert, key, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    certificate.private_key_pem.write_to_path(str(key))
    with cert.open("wb") as out:
        for blob in certificate.cert_chain_pems:
            out.write(blob.bytes())
    authority.cert_pem.write_to_path(str(ca_file))
    (folder / "passwd").write_text(f"{MAILBOX}:{{PLAIN}}{PASSWORD}\n")
    for name in ("run", "state"):
        (folder / name).mkdir()
    homes = folder / "homes"
    homes.mkdir()
    if os.geteuid() == 0:  # Maildirs the dovecot user can write
        mail_user = pwd.getpwnam("dovecot")
        os.chown(homes, mail_user.pw_uid, mail_user.pw_gid)
    port, ssl_port = free_port(), free_port()
    introspection = Introspection()
    (folder / "dovecot-oauth2.conf.ext").write_text(
        f"introspection_mode = post\nintrospection_url = {introspection.url}\nforce_introspection = yes\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
    )
    config = folder / "dovecot.conf"
    config.write_text(_config(folder, homes, port, ssl_port, cert, key))
    process = subprocess.Popen(
        ["dovecot", "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    server = Dovecot("127.0.0.1", port, ssl_port, ca_file, homes, introspection)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with server.connect():
                    break
            except (OSError, imaplib.IMAP4.error):
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
                    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    raise RuntimeError(f"Dovecot did not start: {output} {log[-2000:]}") from None
                time.sleep(0.1)
        yield server
    finally:
        introspection.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if os.geteuid() == 0:
            shutil.rmtree(folder, ignore_errors=True)
