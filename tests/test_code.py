"""The code's shape: no import cycles between modules, and the pinned linter passes."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

SCRIPTS = REPO.root / "scripts"


def module_name(path):
    return ".".join(path.relative_to(REPO.root).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path):
    """The project modules a file imports (at any depth, including imports inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scripts"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if (REPO.root / Path(*candidate.split("."))).with_suffix(".py").exists() else node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("scripts"))
    return found


def import_graph():
    return {module_name(path): imports_of(path) for path in SCRIPTS.rglob("*.py")}


def cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                return trail[trail.index(other) :] + [other]
            if other not in state and (found := visit(other, trail + [other])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_code_has_no_import_cycles():
    assert cycle(import_graph()) is None


def test_the_cycle_check_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_modules_are_grouped_by_job():
    """At the top only the command line and the two orchestrators (a build, a release), which
    call the stages of every sub-package below them."""
    assert not [p.name for p in SCRIPTS.glob("*.py") if p.name not in {"__init__.py", "__main__.py", "cli.py", "build.py", "make_release.py"}]


def test_ruff_passes():
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        ruff = shutil.which("ruff")
    if not ruff:
        pytest.fail("ruff is not installed; run `make install` (it is pinned in requirements.lock)")
    result = subprocess.run([str(ruff), "check", "scripts", "tests", "bench", "site"], cwd=REPO.root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# The sub-packages of scripts/, highest first: a module imports only from its own package or a
# lower one. At the top, the command line and the two orchestrators call into all of them.
LAYERS = [
    "scripts.cli | scripts.build | scripts.make_release",
    "scripts.serve",
    "scripts.release",
    "scripts.publishing",
    "scripts.ratings",
    "scripts.pipeline",
    "scripts.core",
]


def layer_of(module):
    for rank, layer in enumerate(LAYERS):
        for part in layer.split(" | "):
            if module == part or module.startswith(part + "."):
                return rank
    return None


def layer_violations(graph):
    wrong = []
    for module, imported in sorted(graph.items()):
        for other in sorted(imported):
            here, there = layer_of(module), layer_of(other)
            if here is not None and there is not None and there < here:
                wrong.append(f"{module} imports {other} from a higher layer")
    return wrong


def test_sub_packages_import_only_downward():
    graph = import_graph()
    assert {layer_of(module) for module in graph if module not in ("scripts", "scripts.__main__")} <= set(range(len(LAYERS))), "every module is in a layer"
    assert layer_violations(graph) == []


def test_the_layer_check_finds_an_upward_import():
    assert layer_violations({"scripts.pipeline.parse": {"scripts.publishing.charts"}, "scripts.publishing.charts": {"scripts.pipeline.parse"}}) == [
        "scripts.pipeline.parse imports scripts.publishing.charts from a higher layer"
    ]


def test_the_readme_shows_every_command():
    """Every command of the command line is shown in the README, as `longlist NAME` or `make NAME`."""
    from scripts import cli

    readme = (REPO.root / "README.md").read_text(encoding="utf-8")
    commands = next(a for a in cli.parser()._actions if a.dest == "command").choices
    missing = [name for name in commands if f"longlist {name}" not in readme and f"make {name}" not in readme]
    assert commands and not missing
