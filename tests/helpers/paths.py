"""Where the tests' files are: the checkout, its seeds and pictures, the tests' own fixtures."""

from pathlib import Path

HELPERS = Path(__file__).resolve().parent
TESTS = HELPERS.parent  # on PYTHONPATH for subprocesses that import helpers (file_keyring)
FIXTURES = TESTS / "fixtures"  # databases made by older schemas, a password-protected workbook
ROOT = TESTS.parent  # the checkout
SEEDS = ROOT / "seeds"  # the example plans `ilacs seed` loads
SEED_FILES = sorted(SEEDS.glob("*.toml"))
PICTURES = ROOT / "docs" / "pictures"
# The five source documents the seeds were written from, beside the checkout where they are (CI): ../shared/seeds
DOCUMENTS = ROOT.parent / "shared" / "seeds"


def damage(db: Path) -> None:
    """Chunks of a database file's middle third overwritten, as a failing disk or a careless copy leaves it."""
    size = db.stat().st_size
    with open(db, "r+b") as file:
        for offset in range(size // 3, size // 3 * 2, 40_960):
            file.seek(offset)
            file.write(b"\xde\xad" * 512)
