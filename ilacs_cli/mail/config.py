"""Settings for sending e-mail: a TOML file in the platform config directory, overridden by ILACS_* variables.

The SMTP password comes from ILACS_SMTP_PASSWORD or a file named by `password_file` /
ILACS_SMTP_PASSWORD_FILE: never from the command line, and never written in the config file itself. The same goes
for the OAuth client secret (`auth = "microsoft"`): ILACS_SMTP_CLIENT_SECRET, `client_secret_file`, or the operating
system's keyring, which `ilacs mail set-secret` fills. keyring is imported only when a secret is looked up there.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ilacs_cli.domain.addresses import parse_mailbox
from ilacs_cli.domain.rules import SETTINGS_BYTES_LIMIT, RatingSettings
from ilacs_cli.domain.rules import rating_settings as check_ratings
from ilacs_cli.errors import IlacsError, quoted
from ilacs_cli.textfiles import NotText, parse_toml, read_text

SECURITY = {"starttls": 587, "ssl": 465, "none": 25}
AUTH = ("password", "none", "microsoft", "token-command")
SMTP_KEYS = (
    "host",
    "port",
    "security",
    "auth",
    "user",
    "password_file",
    "from",
    "timeout",
    "tenant",
    "client_id",
    "client_secret_file",
    "client_certificate_file",
    "client_certificate_thumbprint",
    "authority",
    "token_command",
)
SECRET_KEYS = {
    "password": "put it in ILACS_SMTP_PASSWORD or in a file named by password_file",
    "client_secret": "run `ilacs mail set-secret`, or put it in ILACS_SMTP_CLIENT_SECRET or in a file "
    "named by client_secret_file",
}
INBOX_KEYS = (  # [inbox]: where owners' replies arrive (issue 30)
    "host",
    "port",
    "security",
    "auth",
    "user",
    "password_file",
    "folder",
    "processed_folder",
    "held_folder",
    "timeout",
    "key_file",
    "token_command",
    "reply_address",
    "token_in",
    "token_days",
)
TOKEN_IN = ("address", "subject")
IMAP_SECURITY = {"ssl": 993, "starttls": 143, "none": 143}
INBOX_AUTH = ("password", "microsoft", "token-command")
REPLY_KEY_USER = "reply-key"  # the keyring entry of the reply key: (service "ilacs", user name "reply-key")
REMINDER_KEYS = ("coordinator", "board_notice_days")
FRAMEWORK_KEYS = ("file",)  # [framework] file: a council's own timetables in place of ilacs's (issue 28)
EVIDENCE_KEYS = ("required_before_done",)
DATABASE_KEYS = ("db",)
KEYRING_SERVICE = "ilacs"  # the keyring entry is (service "ilacs", user name = the client id)
MICROSOFT_SCOPE = "https://outlook.office365.com/.default"


@dataclass
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None = field(repr=False)
    sender: str
    timeout: float
    auth: str = "password"
    # auth = "microsoft": the app registration, where to ask for a token, and the credential
    tenant: str | None = None
    client_id: str | None = None
    authority: str | None = None
    authority_given: bool = False  # set by the user (a national cloud, a test server) rather than built from tenant
    client_credential: str | dict | None = field(default=None, repr=False)  # a secret, or msal's certificate dict
    credential_source: str | None = None  # where the credential came from, for `ilacs mail check` (never the value)
    # auth = "token-command"
    token_command: list[str] | None = None


def config_path() -> Path:
    """ILACS_CONFIG, or config.toml in the platform's user config directory."""
    if os.environ.get("ILACS_CONFIG"):
        return Path(os.environ["ILACS_CONFIG"])
    from platformdirs import user_config_dir

    return Path(user_config_dir("ilacs", appauthor=False)) / "config.toml"


def _read_config() -> dict:
    """The config file's sections, checked for unknown keys; {} when there is no file."""
    import tomllib

    path = config_path()
    if not path.exists():
        return {}
    try:
        data = parse_toml(read_text(path, SETTINGS_BYTES_LIMIT))
    except (OSError, NotText, tomllib.TOMLDecodeError) as error:
        raise IlacsError(f"cannot read the config file {path}: {error}; fix it or set ILACS_CONFIG") from None
    for key, fix in SECRET_KEYS.items():
        if key in data.get("smtp", {}):
            raise IlacsError(f"{path}: [smtp] {key} is not read from the config file: {fix}")
    for key in ("password", "key"):
        if key in data.get("inbox", {}):
            raise IlacsError(
                f"{path}: [inbox] {key} is not read from the config file: put it in ILACS_INBOX_{key.upper()} "
                f"or in a file named by {key}_file"
            )
    for section, keys in (
        ("smtp", SMTP_KEYS),
        ("inbox", INBOX_KEYS),
        ("reminders", REMINDER_KEYS),
        ("framework", FRAMEWORK_KEYS),
        ("evidence", EVIDENCE_KEYS),
        ("database", DATABASE_KEYS),
    ):
        unknown = set(data.get(section, {})) - set(keys)
        if unknown:
            raise IlacsError(
                f"{path}: unknown key [{section}] {', '.join(sorted(unknown))}: known keys are {', '.join(keys)}"
            )
    unknown_sections = set(data) - {"smtp", "inbox", "reminders", "framework", "ratings", "evidence", "database"}
    if unknown_sections:
        raise IlacsError(
            f"{path}: unknown section {', '.join(sorted(unknown_sections))}: use [smtp], [inbox], [reminders], "
            "[framework], [ratings], [evidence] and [database]"
        )
    return data


def database_setting() -> tuple[str, Path] | None:
    """[database] db in the config file, and the config file: the database every command uses when neither --db
    nor ILACS_DB names one (a file's path, taken from the config file's folder when relative, or a PostgreSQL URL:
    cli/common.py's chosen_db tells which); None when unset."""
    value = _read_config().get("database", {}).get("db")
    if value in (None, ""):
        return None
    if not isinstance(value, str) or any(ord(char) < 32 for char in value):
        raise IlacsError(
            f"{config_path()}: [database] db must be a path or a PostgreSQL URL in quotes, e.g. "
            'db = "postgresql://ilacs@dbserver/ilacs"'
        )
    return value, config_path()


def framework_file() -> Path | None:
    """The framework file the user chose, or None for the one shipped with ilacs: ILACS_FRAMEWORK if set, else
    [framework] file in the config file (a relative path is taken from the config file's folder)."""
    if os.environ.get("ILACS_FRAMEWORK"):
        return Path(os.environ["ILACS_FRAMEWORK"])
    value = _read_config().get("framework", {}).get("file")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise IlacsError(f'{config_path()}: [framework] file must be a path in quotes, e.g. file = "timetables.toml"')
    return config_path().parent / Path(value).expanduser()


def rating_settings() -> RatingSettings:
    """The rating scheme and its numbers from [ratings] in the config file (rules.rating_settings checks them);
    the defaults when there is no file or no section."""
    return check_ratings(_read_config().get("ratings"), str(config_path()))


def _setting(section: dict, key: str) -> str | None:
    """ILACS_SMTP_<KEY> if set, else the config file's value."""
    value = os.environ.get(f"ILACS_SMTP_{key.upper()}") or section.get(key)
    if value in (None, ""):
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in str(value)):
        raise IlacsError(
            f"the SMTP setting {key} holds a line break or control character: " + _where(key).replace("set ", "fix ", 1)
        )
    return str(value)


def _where(key: str) -> str:
    return f"set ILACS_SMTP_{key.upper()} or [smtp] {key} in {config_path()}"


def _not_a_host(host: str) -> str | None:
    """Why `host` cannot be a server's name or address (an empty label, a space, a label IDNA refuses), or None."""
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
        return None
    except ValueError:
        pass
    if any(char.isspace() or char in "/\\@:" for char in host):
        return "is not a host name (a name such as smtp.office365.com, or an address)"
    try:
        host.encode("idna")  # what socket does with it: an empty or over-long label fails here
    except UnicodeError:
        return "is not a host name (each part between dots is 1 to 63 letters, digits or hyphens)"
    return None


def smtp_settings() -> SmtpSettings:
    """The SMTP server to send through, and how to log in to it (with the password or OAuth credential read from
    where it is kept), or an error naming what is missing and where to set it."""
    section = _read_config().get("smtp", {})
    where = f"set ILACS_SMTP_{{}} or [smtp] {{}} in {config_path()}"
    host = _setting(section, "host")
    if not host:
        raise IlacsError("no SMTP server configured: " + where.format("HOST", "host"))
    if why := _not_a_host(host):
        raise IlacsError(f"SMTP host '{quoted(host)}' {why}: " + where.format("HOST", "host"))
    security = (_setting(section, "security") or "starttls").lower()
    if security not in SECURITY:
        raise IlacsError(
            f"SMTP security '{security}' is not one of {', '.join(SECURITY)}: " + where.format("SECURITY", "security")
        )
    port_text = _setting(section, "port") or str(SECURITY[security])
    timeout_text = _setting(section, "timeout") or "30"
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise IlacsError(f"SMTP port '{port_text}' is not a port number: " + where.format("PORT", "port"))
    try:
        timeout = float(timeout_text)
    except ValueError:
        timeout = float("nan")
    if not 0 < timeout <= 3600:  # also refuses nan and inf, which the socket library cannot take
        raise IlacsError(
            f"SMTP timeout '{timeout_text}' is not a number of seconds (above 0, at most 3600): "
            + where.format("TIMEOUT", "timeout")
        )
    sender = _setting(section, "from")
    if not sender:
        raise IlacsError("no sender address for reminders: " + where.format("FROM", "from"))
    parse_mailbox(sender, "sender address (ILACS_SMTP_FROM or [smtp] from)")
    user = _setting(section, "user")
    auth = (_setting(section, "auth") or ("password" if user else "none")).lower()
    if auth not in AUTH:
        raise IlacsError(f"SMTP auth '{auth}' is not one of {', '.join(AUTH)}: " + _where("auth"))
    settings = SmtpSettings(host, int(port_text), security, user, None, sender, timeout, auth)
    if auth == "password":
        if not user:
            raise IlacsError('auth = "password" needs the user to log in as: ' + _where("user"))
        settings.password = _password(section)
    elif auth == "microsoft":
        _microsoft(settings, section)
    elif auth == "token-command":
        _token_command(settings, section)
    return settings


def _microsoft(settings: SmtpSettings, section: dict) -> None:
    """The app registration's tenant and client id, where to ask for a token, and the credential."""
    if not settings.user:
        raise IlacsError(
            'auth = "microsoft" needs the mailbox to send from (e.g. ilacs@council.gov.uk): ' + _where("user")
        )
    settings.client_id = _setting(section, "client_id")
    if not settings.client_id:
        raise IlacsError(
            'auth = "microsoft" needs the app registration\'s Application (client) ID from Entra ID: '
            + _where("client_id")
        )
    settings.tenant = _setting(section, "tenant")
    authority = _setting(section, "authority")
    if authority:
        if not authority.lower().startswith("https://"):
            raise IlacsError(f"authority '{authority}' must be an https:// address: " + _where("authority"))
        settings.authority, settings.authority_given = authority.rstrip("/"), True
    elif settings.tenant:
        settings.authority = f"https://login.microsoftonline.com/{settings.tenant}"
    else:
        raise IlacsError(
            'auth = "microsoft" needs the Directory (tenant) ID or domain (e.g. council.gov.uk) from '
            "Entra ID: " + _where("tenant")
        )
    settings.client_credential, settings.credential_source = _client_credential(section, settings.client_id)


def _client_credential(section: dict, client_id: str) -> tuple[str | dict, str]:
    """The client secret or certificate, and where it came from: the environment, a secret file, a certificate
    file, or the keyring, in that order."""
    if os.environ.get("ILACS_SMTP_CLIENT_SECRET"):
        return os.environ["ILACS_SMTP_CLIENT_SECRET"], "ILACS_SMTP_CLIENT_SECRET"
    path = _setting(section, "client_secret_file")
    if path:
        secret = _read_secret_file(path, "client secret file", "client_secret_file")
        if not secret:
            raise IlacsError(
                f"the client secret file {path} is empty: put the secret's Value in it, or fix "
                "client_secret_file or ILACS_SMTP_CLIENT_SECRET_FILE"
            )
        return secret, f"client_secret_file {path}"
    certificate = _setting(section, "client_certificate_file")
    if certificate:
        pem = _read_secret_file(certificate, "client certificate file", "client_certificate_file")
        if "PRIVATE KEY-----" not in pem:
            raise IlacsError(
                f"{certificate} holds no PEM private key: give the certificate's private key (PEM, "
                "unencrypted) in client_certificate_file or ILACS_SMTP_CLIENT_CERTIFICATE_FILE"
            )
        thumbprint = (_setting(section, "client_certificate_thumbprint") or "").replace(":", "").replace(" ", "")
        public = re.search(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem, re.DOTALL)
        if thumbprint:  # the SHA-1 thumbprint Entra ID shows; msal signs with RS256
            return {"private_key": pem, "thumbprint": thumbprint}, f"client_certificate_file {certificate}"
        if public:  # msal works out the SHA-256 thumbprint from the certificate and signs with PS256
            return {"private_key": pem, "public_certificate": public.group(0)}, f"client_certificate_file {certificate}"
        raise IlacsError(
            f"{certificate} holds a private key but no certificate: add the certificate (PEM) to the "
            "file, or give its thumbprint as Entra ID shows it under Certificates & secrets: "
            + _where("client_certificate_thumbprint")
        )
    secret = _keyring_secret(client_id)
    return secret, f"the keyring (service {KEYRING_SERVICE}, user {client_id})"


def _keyring_secret(client_id: str) -> str:
    fix = "run `ilacs mail set-secret`, or set ILACS_SMTP_CLIENT_SECRET, client_secret_file or client_certificate_file"
    import keyring

    try:
        secret = keyring.get_password(KEYRING_SERVICE, client_id)
    except Exception as error:  # no backend (cron without a desktop session), a locked or broken one
        raise IlacsError(
            f"cannot read the client secret from the keyring ({type(error).__name__}: {_first_line(error)}): {fix}"
        ) from None
    if not secret:
        raise IlacsError(f"no client secret for client id {client_id} in the keyring: {fix}")
    return secret


def _token_command(settings: SmtpSettings, section: dict) -> None:
    """The command's words (an array as given, a string split as this system splits one), its program found."""
    if not settings.user:
        raise IlacsError('auth = "token-command" needs the mailbox to send from: ' + _where("user"))
    value = os.environ.get("ILACS_SMTP_TOKEN_COMMAND") or section.get("token_command")
    if isinstance(value, list):
        words = _command_words(value)
    elif value is None or isinstance(value, str):
        command = _setting(section, "token_command")
        try:
            words = split_command(command) if command else []
        except ValueError as error:
            given = (
                "fix ILACS_SMTP_TOKEN_COMMAND, or unset it and " if os.environ.get("ILACS_SMTP_TOKEN_COMMAND") else ""
            )
            raise IlacsError(f"token_command cannot be split into words ({error}): {given}{_array_fix()}") from None
    else:
        raise IlacsError(f"token_command is {_toml_type(value)}: {_array_fix()}")
    if not words:
        raise IlacsError(
            'auth = "token-command" needs the command that prints an access token: ' + _where("token_command")
        )
    if not words[0].strip():
        raise IlacsError("token_command's first word, the program, is empty: " + _where("token_command"))
    settings.token_command = [_program(words[0]), *words[1:]]


def split_command(command: str, platform: str = os.name) -> list[str]:
    """The words of a command written as one string, split as the platform does: "posix" as a POSIX shell would
    (shlex), "nt" as Windows programs split their command line (backslashes kept; double quotes group words and
    are removed). Raises ValueError for a string that cannot be split so."""
    import shlex

    if platform != "nt":
        return shlex.split(command)
    lexer = shlex.shlex(command, posix=False)
    lexer.whitespace_split, lexer.quotes, lexer.commenters = True, '"', ""
    words = list(lexer)  # ValueError for a quote left open
    # shlex's non-POSIX mode keeps the quotes and ends a word at its closing quote. Windows reads `"a b"c` as one
    # word, `a"b c"` as `ab c` and `\"` as a quote: forms refused here rather than guessed at (an array says them).
    quoted = [
        word[1:-1] if len(word) > 1 and word[0] == word[-1] == '"' and word[-2] != "\\" else word for word in words
    ]
    if any('"' in word for word in quoted) or " ".join(words).split() != command.split():
        raise ValueError("a double quote inside a word, or a quoted word joined to another")
    return quoted


def _command_words(value: list) -> list[str]:
    """token_command given as an array: every word a string, used as is."""
    fix = _array_fix("write every word as a string")
    if not value:
        raise IlacsError(f"token_command is an empty array: it needs at least the program: {fix}")
    for number, word in enumerate(value, 1):
        if not isinstance(word, str):
            raise IlacsError(f"token_command's word {number} is {_toml_type(word)} ({word!r}), not a string: {fix}")
        if any(ord(char) < 32 or ord(char) == 127 for char in word):
            raise IlacsError(f"token_command's word {number} holds a line break or control character: {fix}")
    return list(value)


def _array_fix(how: str = "write it as an array of strings") -> str:
    return f'{how}, token_command = ["program", "argument", ...], in [smtp] in {config_path()}'


def _toml_type(value: object) -> str:
    """What a TOML value is, in TOML's words, with its article."""
    names = {bool: "a boolean", int: "an integer", float: "a float", dict: "a table", list: "an array", str: "a string"}
    return names.get(type(value), "a date or time")


def _program(name: str) -> str:
    """The program token_command names, found as the system finds it: a name without a folder on PATH (with
    PATHEXT's extensions on Windows, so `az` is az.cmd), a path as written."""
    import shutil

    found = shutil.which(name)
    if found:
        return found
    where = _where("token_command")
    if os.path.isfile(name):  # there, but not executable (POSIX)
        raise IlacsError(
            f"token_command names {name}, which is not executable: chmod +x it, or put its interpreter first "
            f'(token_command = ["python3", "{name}", ...]): {where}'
        )
    extension = ", with its extension (.exe, .cmd)" if os.name == "nt" else ""
    if os.path.dirname(name):
        raise IlacsError(
            f"token_command names {name}, which does not exist: give the program's full path{extension}: {where}"
        )
    raise IlacsError(
        f"token_command names {name}, which is not on PATH: give the program's full path{extension}, or add its "
        f"folder to PATH: {where}"
    )


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [""])[0][:200]


def _read_secret_file(path: str, what: str, key: str) -> str:
    try:
        return read_text(Path(path).expanduser(), SETTINGS_BYTES_LIMIT).strip()
    except (OSError, NotText) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise IlacsError(f"cannot read the {what} {path}: {reason}; fix {key} or ILACS_SMTP_{key.upper()}") from None


def _password(section: dict) -> str | None:
    if os.environ.get("ILACS_SMTP_PASSWORD"):
        return os.environ["ILACS_SMTP_PASSWORD"]
    path = _setting(section, "password_file")
    if not path:
        return None
    try:
        return read_text(Path(path).expanduser(), SETTINGS_BYTES_LIMIT).strip()
    except (OSError, NotText) as error:
        raise IlacsError(
            f"cannot read the SMTP password file {path}: {getattr(error, 'strerror', None) or error}; "
            "fix password_file or ILACS_SMTP_PASSWORD_FILE"
        ) from None


def default_coordinator() -> tuple[str | None, str] | None:
    """ILACS_COORDINATOR or [reminders] coordinator ('Name <address>'), as (name, address), or None.

    The default coordinator hears about plans that have no coordinator of their own.
    """
    value = os.environ.get("ILACS_COORDINATOR") or _read_config().get("reminders", {}).get("coordinator")
    return (
        parse_mailbox(str(value), "default coordinator (ILACS_COORDINATOR or [reminders] coordinator)")
        if value
        else None
    )


def board_notice_days() -> int:
    """[reminders] board_notice_days: how many English working days before a board meeting the digests ask for
    updates (issue 30); 5 when not set."""
    from ilacs_cli.domain.reminders import BOARD_NOTICE_DAYS

    value = _read_config().get("reminders", {}).get("board_notice_days", BOARD_NOTICE_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise IlacsError(
            f"{config_path()}: [reminders] board_notice_days must be a whole number of working days from 1 to 60, "
            f"not {value if isinstance(value, int) and not isinstance(value, bool) else _toml_type(value)}"
        )
    return value


def oauth_client_id() -> str:
    """The app registration's client id, which names the client secret's keyring entry."""
    client_id = _setting(_read_config().get("smtp", {}), "client_id")
    if not client_id:
        raise IlacsError(
            "no client id: the keyring entry for the client secret is named after it: " + _where("client_id")
        )
    return client_id


def evidence_required() -> bool:
    """[evidence] required_before_done: whether an action needs evidence (`ilacs evidence add`) before it is done.
    False when not set."""
    value = _read_config().get("evidence", {}).get("required_before_done", False)
    if not isinstance(value, bool):
        raise IlacsError(
            f"{config_path()}: [evidence] required_before_done must be true or false, not {_toml_type(value)}"
        )
    return value


# -- [inbox] (issue 30) ---------------------------------------------------------------


@dataclass
class InboxSettings:
    host: str
    port: int
    security: str
    user: str
    auth: str
    folder: str
    processed_folder: str
    held_folder: str
    timeout: float
    password: str | None = field(default=None, repr=False)
    oauth: SmtpSettings | None = field(default=None, repr=False)  # microsoft / token-command: how to get a token


def _inbox_setting(section: dict, key: str) -> str | None:
    value = os.environ.get(f"ILACS_INBOX_{key.upper()}") or section.get(key)
    if value in (None, ""):
        return None
    if any(ord(char) < 32 or ord(char) == 127 for char in str(value)):
        raise IlacsError(f"the inbox setting {key} holds a line break or control character: fix " + _inbox_where(key))
    return str(value)


def _inbox_where(key: str) -> str:
    return f"ILACS_INBOX_{key.upper()} or [inbox] {key} in {config_path()}"


def inbox_settings() -> InboxSettings:
    """The IMAP server owners' replies arrive at, and how to log in, or an error naming the setting and the file."""
    config = _read_config()
    section = config.get("inbox", {})
    host = _inbox_setting(section, "host")
    if not host:
        raise IlacsError("no inbox configured: set " + _inbox_where("host"))
    if why := _not_a_host(host):
        raise IlacsError(f"inbox host '{quoted(host)}' {why}: fix " + _inbox_where("host"))
    security = (_inbox_setting(section, "security") or "ssl").lower()
    if security not in IMAP_SECURITY:
        raise IlacsError(
            f"inbox security '{security}' is not one of {', '.join(IMAP_SECURITY)}: fix " + _inbox_where("security")
        )
    port_text = _inbox_setting(section, "port") or str(IMAP_SECURITY[security])
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise IlacsError(f"inbox port '{port_text}' is not a port number: fix " + _inbox_where("port"))
    timeout_text = _inbox_setting(section, "timeout") or "30"
    try:
        timeout = float(timeout_text)
    except ValueError:
        timeout = float("nan")
    if not 0 < timeout <= 3600:
        raise IlacsError(
            f"inbox timeout '{timeout_text}' is not a number of seconds (above 0, at most 3600): fix "
            + _inbox_where("timeout")
        )
    user = _inbox_setting(section, "user")
    if not user:
        raise IlacsError("the inbox needs the mailbox to log in as: set " + _inbox_where("user"))
    auth = (_inbox_setting(section, "auth") or "password").lower()
    if auth not in INBOX_AUTH:
        raise IlacsError(f"inbox auth '{auth}' is not one of {', '.join(INBOX_AUTH)}: fix " + _inbox_where("auth"))
    folders = {}
    for key, default in (("folder", "INBOX"), ("processed_folder", "ilacs/processed"), ("held_folder", "ilacs/held")):
        folders[key] = _inbox_setting(section, key) or default
        if '"' in folders[key] or "\\" in folders[key]:
            raise IlacsError(
                f"inbox {key} '{quoted(folders[key])}' holds a quote or backslash: fix " + _inbox_where(key)
            )
    settings = InboxSettings(host, int(port_text), security, user, auth, timeout=timeout, **folders)
    if auth == "password":
        settings.password = _inbox_password(section)
        if not settings.password:
            raise IlacsError(
                "no inbox password: put it in ILACS_INBOX_PASSWORD or in a file named by "
                + _inbox_where("password_file")
            )
    else:  # the same app registration (or command) as for sending, signing in as the inbox's mailbox
        smtp = config.get("smtp", {})
        oauth = SmtpSettings(host, int(port_text), security, user, None, user, timeout, auth)
        if auth == "microsoft":
            _microsoft(oauth, smtp)
        else:
            _token_command(
                oauth, {**smtp, **({"token_command": section["token_command"]} if "token_command" in section else {})}
            )
        settings.oauth = oauth
    return settings


def _inbox_password(section: dict) -> str | None:
    if os.environ.get("ILACS_INBOX_PASSWORD"):
        return os.environ["ILACS_INBOX_PASSWORD"]
    path = _inbox_setting(section, "password_file")
    return _read_secret_file(path, "inbox password file", "password_file") if path else None


def reply_key() -> bytes:
    """The key reply tokens are signed with, kept outside the database: ILACS_REPLY_KEY, else the file [inbox]
    key_file names, else the keyring (service ilacs, user reply-key). At least 32 characters."""
    fix = (
        "set ILACS_REPLY_KEY, or [inbox] key_file in "
        f"{config_path()} naming a file (mode 600) holding at least 32 random characters"
    )
    key = os.environ.get("ILACS_REPLY_KEY")
    if not key:
        path = _inbox_setting(_read_config().get("inbox", {}), "key_file")
        if path:
            key = _read_secret_file(path, "reply key file", "key_file")
    if not key:
        try:
            import keyring

            key = keyring.get_password(KEYRING_SERVICE, REPLY_KEY_USER)
        except Exception:  # no keyring backend under cron: the key is simply not there
            key = None
    if not key:
        raise IlacsError(f"no key for reply tokens: {fix}")
    if len(key) < 32:
        raise IlacsError(f"the reply key is {len(key)} characters long, fewer than 32: {fix}")
    return key.encode()


@dataclass
class ReplyRoute:
    """Where owners' answers to a digest go: the council's inbox address, whether the token rides in a
    plus-address (plans+TOKEN@council.gov.uk) or in the subject, and for how many days a token is good."""

    address: str
    token_in: str
    days: int


def reply_route() -> ReplyRoute | None:
    """[inbox] reply_address (ILACS_INBOX_REPLY_ADDRESS), token_in and token_days; None when no reply address is
    set (digests are then sent without one, as before issue 30)."""
    from ilacs_cli.domain.addresses import parse_mailbox

    section = _read_config().get("inbox", {})
    given = _inbox_setting(section, "reply_address")
    if not given:
        return None
    _, address = parse_mailbox(given, "reply address")
    token_in = (_inbox_setting(section, "token_in") or "address").lower()
    if token_in not in TOKEN_IN:
        raise IlacsError(
            f"inbox token_in '{quoted(token_in)}' is not address or subject: fix " + _inbox_where("token_in")
        )
    days_text = _inbox_setting(section, "token_days") or "30"
    if not (days_text.isascii() and days_text.isdigit()) or not 1 <= int(days_text) <= 366:
        raise IlacsError(
            f"inbox token_days '{quoted(days_text)}' is not a number of days from 1 to 366: fix "
            + _inbox_where("token_days")
        )
    return ReplyRoute(address, token_in, int(days_text))
