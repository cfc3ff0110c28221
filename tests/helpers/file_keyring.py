"""A keyring backend in a JSON file, for tests only: the subprocess loads it through
PYTHON_KEYRING_BACKEND=helpers.file_keyring.FileKeyring (tests/ on PYTHONPATH) and keeps its entries in
ILACS_TEST_KEYRING."""

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1

    def _path(self) -> Path:
        return Path(os.environ["ILACS_TEST_KEYRING"])

    def _entries(self) -> dict:
        return json.loads(self._path().read_text()) if self._path().exists() else {}

    def get_password(self, service, username):
        return self._entries().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        entries = self._entries()
        entries[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(entries))

    def delete_password(self, service, username):
        entries = self._entries()
        entries.pop(f"{service}/{username}")
        self._path().write_text(json.dumps(entries))
