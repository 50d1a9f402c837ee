"""The import walker, on a small tree of our package names written under a tmp root."""
from __future__ import annotations

from pathlib import Path

import pytest

from adcacc.code_graph import imports, modules, reached

TREE = {
    "common/__init__.py": "",
    "common/files.py": "import json\n",
    "common/audio.py": "from common.files import x\n",
    "common/unused.py": "",
    "evals/__init__.py": "",
    "evals/backends/__init__.py": "from .chat import y\n",  # relative, from a package
    "evals/backends/chat.py": "from ..tasks import z\n",  # relative, two levels up
    "evals/tasks.py": "",
    "evals/infer.py": "def run():\n    from evals import backends\n    import common.audio\n",  # lazy
    "evals/compare.py": "from evals.tasks import z\n",
    "adcacc/__init__.py": "import common.unused\n",  # a package's own imports run too
    "adcacc/stages.py": "",
}


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    for rel, text in TREE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return modules(tmp_path)


def test_modules_name_packages_by_their_init(tree, tmp_path):
    assert tree["evals.backends"] == tmp_path / "evals/backends/__init__.py"
    assert tree["evals.backends.chat"] == tmp_path / "evals/backends/chat.py"
    assert "data_builders" not in tree  # a package that is not there is no module


def test_imports_count_lazy_from_and_relative_imports(tree):
    assert imports("evals.infer", tree) == {"evals", "evals.backends", "common.audio"}
    assert imports("evals.backends", tree) == {"evals.backends.chat"}
    assert imports("evals.backends.chat", tree) == {"evals.tasks"}
    assert imports("common.files", tree) == set()  # json is not ours


def test_reached_follows_imports_transitively_with_the_packages_around_them(tree):
    assert reached(["evals.infer"], tree) == {"evals", "evals.infer", "evals.backends", "evals.backends.chat",
                                              "evals.tasks", "common", "common.audio", "common.files"}
    assert reached(["evals.compare"], tree) == {"evals", "evals.compare", "evals.tasks"}
    assert reached(["adcacc.stages"], tree) == {"adcacc", "adcacc.stages", "common", "common.unused"}


def test_a_misspelt_entry_is_an_error_not_an_empty_hash(tree):
    with pytest.raises(KeyError, match="evals.inferr"):
        reached(["evals.inferr"], tree)
