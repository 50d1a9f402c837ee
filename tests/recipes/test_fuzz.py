"""Random recipe values through `adcacc recipes check`: exit 0, 1 (problems in the table) or
2 (one line naming the file), never a traceback, and nothing written."""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adcacc.cli import main
from adcacc.recipes.generate import recipe_dir

BASE = yaml.safe_load((recipe_dir() / "acc_rtx4090.yaml").read_text())
VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                      | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from([*BASE, "ENV", "not_a_swift_flag"]), value=VALUES)
def test_random_recipe_values_never_escape_as_tracebacks(tmp_path_factory, capsys, key, value):
    folder = tmp_path_factory.mktemp("recipes")
    path = folder / "acc_rtx4090.yaml"
    path.write_text(yaml.safe_dump({**BASE, key: value}))
    before = sorted(p.name for p in folder.iterdir())
    code = main(["recipes", "check", "--family", "qwen2_audio", "--recipes", str(folder)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2) and "Traceback" not in err and "--debug" not in err, err
    assert code != 2 or (err.count("\n") == 1 and str(path) in err), err
    assert sorted(p.name for p in folder.iterdir()) == before
