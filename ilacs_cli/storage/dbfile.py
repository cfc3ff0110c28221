"""Where the database file lives: a network share (refused), a folder OneDrive syncs or the Microsoft Store's
Python keeps to itself (warned of), a group sharing it, who may write it, free space.

Only the standard library, and nothing POSIX-only or Windows-only at import: `grp` and `pwd` are imported inside
the functions that need them, `ctypes` only on Windows. What Windows says through its environment and paths is
read by pure functions given them (`synced_folder`, `store_python_package`, `store_python_copy`), so that tests
drive them with Windows' values on any machine.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path, PurePath, PureWindowsPath

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
        return _windows_share(str(absolute_path(path)))
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


def absolute_path(path: Path) -> Path:
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


# The environment variables OneDrive sets to its sync roots: personal, work or school, and the personal one again.
SYNC_ROOTS = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
_WORK_ROOT = "onedrive - "  # a work or school root is named "OneDrive - Org Name"


def synced_folder(path: PurePath, environ: Mapping[str, str]) -> PurePath | None:
    """The folder OneDrive syncs between PCs that holds `path` (absolute, links followed), or None.

    From what Windows gives without the registry: the sync roots OneDrive names in `environ` (SYNC_ROOTS); the
    SharePoint libraries it syncs beside a root "OneDrive - Org Name", in a folder "Org Name" (%USERPROFILE%\\Org
    Name\\Site - Documents); and a folder named as OneDrive names its roots, `OneDrive` or `OneDrive - Org Name`.
    Paths compare as the platform of `path` compares them (PureWindowsPath: in any case)."""
    roots = []
    for name in SYNC_ROOTS:
        root = type(path)(environ.get(name, "").strip())
        if root.is_absolute():
            roots.append(root)
            if root.name.casefold().startswith(_WORK_ROOT):
                roots.append(root.parent / root.name[len(_WORK_ROOT) :])
    for root in roots:
        if path == root or root in path.parents:
            return root
    for folder in reversed(path.parents):  # the outermost: a root "OneDrive" may hold a folder "OneDrive"
        name = folder.name.casefold()
        if name == "onedrive" or name.startswith(_WORK_ROOT):
            return folder
    return None


def synced_warning(path: PurePath, folder: PurePath) -> str:
    """What to do about a database in a folder OneDrive syncs (`synced_folder`)."""
    return (
        f"{path} is in {folder}, a folder OneDrive syncs with other PCs: two PCs using the database, each with its "
        f"own {path.name}-wal and -shm, damage it or split it in two; keep it on a local disk outside that folder "
        "(--db or ILACS_DB), share it from one machine (colleagues run ilacs on one shared server, or read it in "
        "their browsers through `ilacs serve`), and put copies in the synced folder with `ilacs backup` if you want "
        "them there"
    )


# Python from the Microsoft Store: a package "PythonSoftwareFoundation.Python.3.12_<publisher>" (its family name),
# installed as "..._3.12.2800.0_x64__<publisher>" (its full name) under C:\Program Files\WindowsApps, run through
# %LOCALAPPDATA%\Microsoft\WindowsApps\<family name>\python.exe.
_STORE_PYTHON = "pythonsoftwarefoundation.python."


def store_python_package(executable: str, base_prefix: str) -> str | None:
    """The package family name of the Microsoft Store's Python that `executable` or `base_prefix` (sys.executable,
    sys.base_prefix: a virtual environment's base) belong to, e.g. PythonSoftwareFoundation.Python.3.12_qbz5n2kfra8p0;
    None for any other Python (python.org's, the py install manager's runtimes, Linux, macOS)."""
    for text in (executable, base_prefix):
        parts = PureWindowsPath(text).parts
        for parent, folder in zip(parts, parts[1:]):
            if parent.casefold() in ("windowsapps", "packages") and folder.casefold().startswith(_STORE_PYTHON):
                name, *_, publisher = folder.split("_") if "_" in folder else (folder, "")
                if publisher:  # the full name's version, architecture and resource id dropped
                    return f"{name}_{publisher}"
    return None


def store_python_copy(path: PureWindowsPath, package: str, environ: Mapping[str, str]) -> PureWindowsPath | None:
    """Where the Store's Python `package` keeps a file it makes at `path`: what it creates in %LOCALAPPDATA% or
    %APPDATA% goes to the package's own %LOCALAPPDATA%\\Packages\\<package>\\LocalCache\\Local (or Roaming), which
    Explorer does not show there and which resetting or uninstalling the app deletes; None for a path elsewhere."""
    profile = environ.get("USERPROFILE", "")
    local = PureWindowsPath(environ.get("LOCALAPPDATA") or rf"{profile}\AppData\Local")
    roaming = PureWindowsPath(environ.get("APPDATA") or rf"{profile}\AppData\Roaming")
    if not local.is_absolute() or local / "Packages" == path or local / "Packages" in path.parents:
        return None
    for folder, kept in ((local, "Local"), (roaming, "Roaming")):
        if folder.is_absolute() and folder in path.parents:
            return local / "Packages" / package / "LocalCache" / kept / path.relative_to(folder)
    return None


def store_python_warning(path: PurePath, copy: PurePath, exists: bool, environ: Mapping[str, str]) -> str:
    """What to do about the database at `path` that the Store's Python keeps at `copy` (`store_python_copy`)."""
    # Not Documents: OneDrive's Known Folder Move puts Documents in OneDrive on many councils' PCs.
    mine = PureWindowsPath(environ.get("USERPROFILE") or str(Path.home())) / "ilacs" / copy.name
    what = (
        f'make the folder {mine.parent}, copy the database there with `ilacs backup "{mine}"`, then use --db "{mine}" '
        "(or set ILACS_DB to it)"
        if exists
        else f'make the folder {mine.parent} and use --db "{mine}" (or set ILACS_DB to it)'
    )
    return (
        f"this Python is the Microsoft Store's, which keeps what it creates in AppData in a folder of its own: the "
        f"database is {copy}, not {path} where Explorer looks, and resetting or uninstalling that Python deletes it; "
        f"install Python from python.org instead, or {what}"
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
