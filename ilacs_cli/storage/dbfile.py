"""Where the database file lives: a network share (refused), a group sharing it, who may write it, free space.

Only the standard library, and nothing POSIX-only or Windows-only at import: `grp` and `pwd` are imported inside
the functions that need them, `ctypes` only on Windows.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ilacs_cli.errors import IlacsError

# File systems reached over a network, as Linux names them in /proc/self/mountinfo.
_NETWORK_TYPES = {
    "nfs": "NFS",
    "nfs4": "NFS",
    "cifs": "SMB/CIFS",
    "smb3": "SMB/CIFS",
    "smbfs": "SMB/CIFS",
    "afs": "AFS",
    "ncpfs": "NetWare",
    "fuse.sshfs": "SSHFS",
    "davfs": "WebDAV",
    "fuse.davfs2": "WebDAV",
    "glusterfs": "GlusterFS",
    "fuse.glusterfs": "GlusterFS",
    "ceph": "CephFS",
    "lustre": "Lustre",
}
MOUNTINFO = Path("/proc/self/mountinfo")
# Set to `one-machine` where a network share is used by this machine alone (SQLite's WAL then works).
NETWORK_OVERRIDE = "ILACS_NETWORK_DB"
# How the owner of a database shares it: a group on Linux and macOS, the folder's Security settings on Windows.
_SHARE_HOW = (
    "you in the folder's Properties, Security (Windows)" if os.name == "nt" else "a group (`ilacs init --group NAME`)"
)
_DRIVE_REMOTE = 4  # GetDriveTypeW: a network drive
# A disk with less free than this, when SQLite reports a failed write, is taken to be full.
_NEARLY_FULL = 1 << 20


def network_share(path: Path) -> str | None:
    """What kind of network file system holds `path` (a file or a folder that exists), or None if it is local."""
    if os.name == "nt":
        return _windows_share(str(_absolute(path)))
    try:
        lines = MOUNTINFO.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:  # not Linux (macOS: not detected), or /proc not mounted
        return None
    target = str(path.resolve())
    best, kind = "", None
    for line in lines:
        fields = line.split(" ")
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = fields[4].replace("\\040", " ")
        fs_type = line.split(" - ", 1)[1].split(" ")[0]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, kind = mount_point, _NETWORK_TYPES.get(fs_type)
    return kind


def _absolute(path: Path) -> Path:
    """`path` made absolute with links and mapped drives followed: `plan.db` run from a mapped H:\\ is H:\\plan.db, or
    as Windows resolves it \\\\server\\share\\plan.db; the path as given when it cannot be resolved."""
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _windows_share(text: str, drive_type=None) -> str | None:
    """A UNC path (\\\\server\\share) or a mapped network drive; `drive_type` is GetDriveTypeW (for tests)."""
    if (
        text.startswith(("\\\\", "//"))
        and not text.startswith(("\\\\?\\", "\\\\.\\"))
        or text.upper().startswith("\\\\?\\UNC\\")
    ):
        return "a network share"
    if len(text) >= 2 and text[1] == ":":
        if drive_type is None:
            import ctypes

            drive_type = ctypes.windll.kernel32.GetDriveTypeW  # type: ignore[attr-defined]  # Windows only
        if drive_type(f"{text[:2]}\\") == _DRIVE_REMOTE:
            return "a network drive"
    return None


def refuse_network_share(path: Path) -> None:
    """Refuse a database on a network file system (SQLite's WAL needs memory shared on one machine), unless
    ILACS_NETWORK_DB=one-machine says only this machine uses it."""
    override = os.environ.get(NETWORK_OVERRIDE, "")
    if override not in ("", "one-machine"):
        raise IlacsError(
            f"{NETWORK_OVERRIDE}='{override}' is not understood: set it to one-machine (only this "
            "machine ever opens the file) or unset it",
            2,
        )
    folder = path if path.is_dir() else path.parent
    kind = network_share(folder) if folder.is_dir() else None
    if kind and not override:
        raise IlacsError(
            f"{path} is on {kind if kind.startswith('a ') else kind + ', a network file system'}: "
            "ilacs's database needs memory shared between its users on one machine, which a network "
            "share cannot give (files get damaged); keep it on a local disk of one shared server, or "
            f"set {NETWORK_OVERRIDE}=one-machine if only this machine ever opens it"
        )


def share_with_group(path: Path, group: str) -> None:
    """Make `path` readable and writable by its owner and `group` (0660)."""
    if os.name == "nt":
        raise IlacsError(
            "--group is for Linux and macOS: on Windows share the folder through its Security settings instead", 2
        )
    import grp

    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise IlacsError(
            f"there is no group '{group}' on this machine: create it (e.g. groupadd {group}) or name another", 2
        ) from None
    try:
        os.chown(path, -1, gid)
        os.chmod(path, 0o660)
    except PermissionError:
        raise IlacsError(
            f"cannot give {path} to group '{group}': you are not a member of it (or do not own the "
            "file): ask an administrator to add you (usermod -aG), then run it again"
        ) from None
    except OSError as error:
        raise IlacsError(f"cannot give {path} to group '{group}': {error.strerror}") from None


def keep_group(path: Path) -> None:
    """Give the -wal and -shm files of a group-shared database (0660) its group and mode, when this user made them
    (SQLite gives them the database's mode but the maker's own group, unless the folder is setgid)."""
    try:
        database = path.stat()
    except OSError:
        return
    if not database.st_mode & stat.S_IWGRP or not hasattr(os, "getuid"):
        return
    for suffix in ("-wal", "-shm"):
        match_database(Path(f"{path}{suffix}"), database)


def match_database(file: Path, database: os.stat_result) -> None:
    """Give a file this user owns the group and mode of a group-shared database (a backup, its -wal or -shm)."""
    if not database.st_mode & stat.S_IWGRP or not hasattr(os, "getuid"):
        return
    try:
        info = file.stat()
        if info.st_uid != os.getuid():
            return
        if info.st_gid != database.st_gid:
            os.chown(file, -1, database.st_gid)
        if stat.S_IMODE(info.st_mode) != stat.S_IMODE(database.st_mode) & 0o660:
            os.chmod(file, stat.S_IMODE(database.st_mode) & 0o660)
    except OSError:  # not a member of the group any more: the file stays this user's own
        pass


def nothing_can_write(path: Path) -> bool:
    """True when no one is writing the database or can start to: no -wal file, and the file system is read-only
    or neither the file nor its folder may be written by anyone (SQLite may then read it as immutable)."""
    if Path(f"{path}-wal").exists():
        return False
    try:
        if hasattr(os, "statvfs") and os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
        return not (path.stat().st_mode & 0o222) or not (path.resolve().parent.stat().st_mode & 0o222)
    except OSError:
        return False


def owner_of(info: os.stat_result) -> str:
    """The login name owning a file (its uid where names are unknown); '' on Windows."""
    if os.name == "nt":
        return ""
    try:
        import pwd

        return pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        return f"user {info.st_uid}"


def not_readable(path: Path) -> str | None:
    """Why this user cannot read the database file (another user's private file), or None."""
    try:
        info = path.stat()
    except OSError:
        return None
    if os.access(path, os.R_OK):
        return None
    whose = f"{owner_of(info)}'s" if owner_of(info) else "another user's"
    return (
        f"cannot read {path}: it is {whose} private file "
        f"(mode {stat.S_IMODE(info.st_mode):04o}): ask them to share it with "
        f"{_SHARE_HOW}, or choose another --db path"
    )


def not_writable(path: Path) -> str:
    """Why this user cannot change the database, and what to do."""
    folder = path.resolve().parent
    try:
        info = path.stat()
    except OSError:
        return f"cannot change {path}: check its permissions or choose another --db path"
    owner = owner_of(info)
    if hasattr(os, "statvfs") and os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"cannot change {path}: its disk is mounted read-only; copy it to a writable disk to change it"
    if not os.access(path, os.W_OK):
        whose = f"{owner}'s file" if owner else "a file you may not write"
        return (
            f"cannot change {path}: it is {whose} (mode {stat.S_IMODE(info.st_mode):04o}); reading works, "
            f"changing it needs the owner to share it with {_SHARE_HOW}"
        )
    return wal_needs_folder(path)


def wal_needs_folder(path: Path) -> str:
    """The folder must be writable: SQLite's WAL mode makes the -wal and -shm files beside the database."""
    folder = path.resolve().parent
    return (
        f"cannot use {path}: SQLite's WAL mode needs to create {path.name}-wal and {path.name}-shm beside it, "
        f"and you may not write in {folder}; ask its owner to make the folder writable for you (or for a shared "
        "group), or copy the database to a folder of your own"
    )


def disk_full(path: Path) -> bool:
    """True when the disk holding `path` (a file or folder) has next to no free space."""
    import shutil

    place = path if path.is_dir() else path.parent
    try:
        return shutil.disk_usage(place).free < _NEARLY_FULL
    except OSError:
        return False
