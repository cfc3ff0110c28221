"""The test suite's shared helpers, one module per concern; tests/conftest.py turns them into fixtures.

tests/ is on sys.path (pytest's `pythonpath`), so tests import them as `helpers.cli`, `helpers.plans`, ...
This file stays empty of imports: a subprocess that loads `helpers.file_keyring` imports it too.
"""
