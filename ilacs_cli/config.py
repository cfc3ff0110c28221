"""Settings for sending e-mail: a TOML file in the platform config directory, overridden by ILACS_* variables.

The SMTP password comes from ILACS_SMTP_PASSWORD or a file named by `password_file` /
ILACS_SMTP_PASSWORD_FILE: never from the command line, and never written in the config file itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ilacs_cli.addresses import parse_mailbox
from ilacs_cli.errors import IlacsError

SECURITY = {"starttls": 587, "ssl": 465, "none": 25}
SMTP_KEYS = ("host", "port", "security", "user", "password_file", "from", "timeout")
REMINDER_KEYS = ("coordinator",)


@dataclass
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str
    timeout: float


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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise IlacsError(f"cannot read the config file {path}: {error}; fix it or set ILACS_CONFIG") from None
    if "password" in data.get("smtp", {}):
        raise IlacsError(f"{path}: [smtp] password is not read from the config file: put it in ILACS_SMTP_PASSWORD "
                         "or in a file named by password_file")
    for section, keys in (("smtp", SMTP_KEYS), ("reminders", REMINDER_KEYS)):
        unknown = set(data.get(section, {})) - set(keys)
        if unknown:
            raise IlacsError(f"{path}: unknown key [{section}] {', '.join(sorted(unknown))}: "
                             f"known keys are {', '.join(keys)}")
    unknown_sections = set(data) - {"smtp", "reminders"}
    if unknown_sections:
        raise IlacsError(f"{path}: unknown section {', '.join(sorted(unknown_sections))}: use [smtp] and [reminders]")
    return data


def _setting(section: dict, key: str) -> str | None:
    """ILACS_SMTP_<KEY> if set, else the config file's value."""
    value = os.environ.get(f"ILACS_SMTP_{key.upper()}") or section.get(key)
    return None if value in (None, "") else str(value)


def smtp_settings() -> SmtpSettings:
    """The SMTP server to send through, or an error naming what is missing and where to set it."""
    section = _read_config().get("smtp", {})
    where = f"set ILACS_SMTP_{{}} or [smtp] {{}} in {config_path()}"
    host = _setting(section, "host")
    if not host:
        raise IlacsError("no SMTP server configured: " + where.format("HOST", "host"))
    security = (_setting(section, "security") or "starttls").lower()
    if security not in SECURITY:
        raise IlacsError(f"SMTP security '{security}' is not one of {', '.join(SECURITY)}: "
                         + where.format("SECURITY", "security"))
    port_text = _setting(section, "port") or str(SECURITY[security])
    timeout_text = _setting(section, "timeout") or "30"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise IlacsError(f"SMTP port '{port_text}' is not a port number: " + where.format("PORT", "port"))
    try:
        timeout = float(timeout_text)
    except ValueError:
        raise IlacsError(f"SMTP timeout '{timeout_text}' is not a number of seconds: "
                         + where.format("TIMEOUT", "timeout")) from None
    sender = _setting(section, "from")
    if not sender:
        raise IlacsError("no sender address for reminders: " + where.format("FROM", "from"))
    parse_mailbox(sender, "sender address (ILACS_SMTP_FROM or [smtp] from)")
    return SmtpSettings(host, int(port_text), security, _setting(section, "user"), _password(section), sender,
                        timeout)


def _password(section: dict) -> str | None:
    if os.environ.get("ILACS_SMTP_PASSWORD"):
        return os.environ["ILACS_SMTP_PASSWORD"]
    path = _setting(section, "password_file")
    if not path:
        return None
    try:
        return Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as error:
        raise IlacsError(f"cannot read the SMTP password file {path}: {error.strerror}; "
                         "fix password_file or ILACS_SMTP_PASSWORD_FILE") from None


def default_coordinator() -> tuple[str | None, str] | None:
    """ILACS_COORDINATOR or [reminders] coordinator ('Name <address>'), as (name, address), or None.

    The default coordinator hears about plans that have no coordinator of their own.
    """
    value = os.environ.get("ILACS_COORDINATOR") or _read_config().get("reminders", {}).get("coordinator")
    return parse_mailbox(str(value), "default coordinator (ILACS_COORDINATOR or [reminders] coordinator)") \
        if value else None
