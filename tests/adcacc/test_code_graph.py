"""The import walker, on a small tree of our package folders written under a tmp root, laid
out as in a checkout (folders side by side) and as in an installed wheel (nested in adcacc/)."""
from __future__ import annotations

from pathlib import Path

import pytest

from adcacc.code_graph import imports, modules, package_of, reached

TREE = {
    "common/__init__.py": "",
    "common/files.py": "import json\n",
    "common/audio.py": "from adcacc.common.files import x\n",
    "common/unused.py": "",
    "evals/__init__.py": "",
    "evals/backends/__init__.py": "from .chat import y\n",  # relative, from a package
    "evals/backends/chat.py": "from ..tasks import z\n",  # relative, two levels up
    "evals/tasks.py": "",
    "evals/infer.py": "def run():\n    from adcacc.evals import backends\n    import adcacc.common.audio\n",  # lazy
    "evals/compare.py": "from adcacc.evals.tasks import z\nimport adcacc.evals.tasks\n",  # a bare name is not ours
    "evals/typed.py": ("import typing\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from adcacc.evals.tasks import z\nif typing.TYPE_CHECKING:\n    import adcacc.evals.infer\n"
                       "if not TYPE_CHECKING:\n    import adcacc.common.files\n"),
    "adcacc/__init__.py": "import adcacc.common.unused\n",  # a package's own imports run too
    "adcacc/stages.py": "",
}


def _write(root: Path, prefix: str = "") -> dict[str, Path]:
    for rel, text in TREE.items():
        nested = prefix and not rel.startswith("adcacc/")
        path = root / (prefix + rel if nested else rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return modules(root)


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    return _write(tmp_path)


def test_modules_name_packages_by_their_init(tree, tmp_path):
    assert tree["adcacc.evals.backends"] == tmp_path / "evals/backends/__init__.py"
    assert tree["adcacc.evals.backends.chat"] == tmp_path / "evals/backends/chat.py"
    assert "adcacc.data_builders" not in tree  # a package that is not there is no module
    assert not any(name.split(".")[0] != "adcacc" for name in tree)  # every import name is ours


def test_an_installed_wheel_nests_the_same_modules_under_adcacc(tmp_path):
    installed = _write(tmp_path, prefix="adcacc/")
    assert installed["adcacc.evals.backends.chat"] == tmp_path / "adcacc/evals/backends/chat.py"
    assert set(installed) == set(_write(tmp_path / "checkout"))


def test_imports_count_lazy_from_and_relative_imports(tree):
    assert imports("adcacc.evals.infer", tree) == {"adcacc.evals", "adcacc.evals.backends", "adcacc.common.audio"}
    assert imports("adcacc.evals.backends", tree) == {"adcacc.evals.backends.chat"}
    assert imports("adcacc.evals.backends.chat", tree) == {"adcacc.evals.tasks"}
    assert imports("adcacc.common.files", tree) == set()  # json is not ours
    assert imports("adcacc.evals.compare", tree) == {"adcacc.evals.tasks"}


def test_imports_skip_type_checking_blocks_but_not_their_negation(tree):
    assert imports("adcacc.evals.typed", tree) == {"adcacc.common.files"}


def test_reached_follows_imports_transitively_with_the_packages_around_them(tree):
    ground = {"adcacc", "adcacc.common.unused"}  # adcacc/__init__ runs before any sub-package
    assert reached(["adcacc.evals.infer"], tree) == ground | {
        "adcacc.evals", "adcacc.evals.infer", "adcacc.evals.backends", "adcacc.evals.backends.chat",
        "adcacc.evals.tasks", "adcacc.common", "adcacc.common.audio", "adcacc.common.files"}
    assert reached(["adcacc.evals.compare"], tree) == ground | {
        "adcacc.common", "adcacc.evals", "adcacc.evals.compare", "adcacc.evals.tasks"}
    assert reached(["adcacc.stages"], tree) == ground | {"adcacc.stages", "adcacc.common"}


def test_package_of_is_the_longest_import_name_of_ours():
    assert package_of("adcacc.evals.backends.chat") == "adcacc.evals"
    assert package_of("adcacc.evals") == "adcacc.evals"
    assert package_of("adcacc.plan") == "adcacc"


def test_a_misspelt_entry_is_an_error_not_an_empty_hash(tree):
    with pytest.raises(KeyError, match="adcacc.evals.inferr"):
        reached(["adcacc.evals.inferr"], tree)
