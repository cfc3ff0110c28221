"""The package's layers, read from its source: imports run one way, SQL stays in storage/, the domain and storage
never print (issue 25). Failing here means a module landed in the wrong room, not that a command misbehaves."""

import ast
import re
from pathlib import Path

import pytest

import ilacs_cli

PACKAGE = Path(ilacs_cli.__file__).resolve().parent
# What each layer may import from the package (beyond itself). cli/ may import anything.
# errors.py and textfiles.py (how a user's text file is read) sit beneath every layer.
BASE = {"errors", "textfiles"}
MAY_IMPORT = {
    "dates": BASE,
    "storage": {"dates"} | BASE,
    "domain": {"storage", "dates"} | BASE,
    "mail": {"domain", "dates"} | BASE,
    "exchange": {"domain", "storage", "dates"} | BASE,
    "render": {"domain", "exchange", "dates"} | BASE,
}
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+"
    r"(TEMP\s+)?(TABLE|INDEX|VIEW|TRIGGER)|PRAGMA\s+\w+)\b",
    re.DOTALL,
)


def modules(layer: str | None = None) -> list[Path]:
    folder = PACKAGE / layer if layer else PACKAGE
    return sorted(folder.rglob("*.py"))


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported(path: Path) -> set[str]:
    """The package's modules this file imports, anywhere in it (imports inside functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ilacs_cli"):
            found.add(node.module)
            if node.module == "ilacs_cli":
                found.update(f"ilacs_cli.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("ilacs_cli"))
    return found


def test_the_tree_has_the_layers_and_no_loose_modules():
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and not path.name.startswith("__")}
    assert {"cli", "render", "domain", "storage", "dates", "mail", "exchange"} <= folders
    loose = {path.name for path in PACKAGE.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "errors.py", "textfiles.py"}


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_imports_run_one_way(layer):
    wrong = []
    for path in modules(layer):
        for module in imported(path):
            target = module.split(".")[1] if module.count(".") else "ilacs_cli"
            if target not in MAY_IMPORT[layer] | {layer, "ilacs_cli"}:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_sql_is_written_only_in_storage():
    holding = []
    for path in modules():
        if layer_of(path) == "storage":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                holding.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value[:60]!r}")
    assert not holding, "\n".join(holding)


def test_the_sql_check_finds_sql():
    assert SQL.search("SELECT id FROM actions WHERE due < ?")
    assert SQL.search("PRAGMA integrity_check")
    assert not SQL.search("Select the actions from the plan that are late")  # words, not a query shape
    assert not SQL.search("update the plan")


@pytest.mark.parametrize("layer", ["domain", "storage", "dates"])
def test_domain_and_storage_never_print(layer):
    printing = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in modules(layer)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]
    assert not printing, printing


def test_store_is_small_and_its_methods_short():
    """No class in storage/ over 300 lines, no function or method over 60."""
    too_long = []
    for path in modules("storage"):
        if path.name == "migrations.py":  # a list of named migrations, each its literal SQL
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > (300 if isinstance(node, ast.ClassDef) else 60):
                too_long.append(f"{path.name}: {node.name} {length} lines")
    assert not too_long, too_long
