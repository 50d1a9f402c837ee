"""`adcacc recipes check`: ms-swift's parser, hardware coherence, dataset verification."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from adcacc.cli import main
from adcacc.common.errors import InputError
from adcacc.common.model_families import FAMILIES
from adcacc.recipes.check import check_recipe, hardware_problems, load_recipe, run_check, verify_dataset
from adcacc.recipes.generate import recipe_dir, recipe_name
from adcacc.recipes.swift_args import problems_in, swift_problems

QWEN2_AUDIO = ["qwen2_audio"]


def _shipped(task: str, hw: str, family: str = "qwen2_audio") -> dict:
    """A checked-in recipe, read as `adcacc recipes check` reads it."""
    return load_recipe(recipe_dir(family) / recipe_name(task, hw))


def test_all_recipes_pass_and_table_lists_them(capsys):
    assert run_check(list(FAMILIES), None) == 0
    out = capsys.readouterr().out
    # 6 tasks x (3 machines for Qwen2-Audio and Qwen2.5-Omni-7B, 2 for the 3B, 1 for Qwen3-Omni)
    assert len([line for line in out.splitlines() if ".yaml" in line]) == 6 * (3 + 3 + 2 + 1)
    assert "qwen3_omni (.venv-omni's ms-swift parser)" in out
    assert "adcacc build --out data/adcacc" in out


def test_swift_parser_rejects_unknown_keys_and_bad_values():
    recipe = _shipped("acc", "rtx4090")
    assert swift_problems(recipe) == []
    assert swift_problems({**recipe, "lora_rnak": 8}) == ["unknown ms-swift argument --lora_rnak"]
    problem = swift_problems({**recipe, "quant_bits": 5})
    assert len(problem) == 1 and "quant_bits" in problem[0] and "invalid choice" in problem[0]


def test_an_omni_recipe_is_parsed_by_the_omni_environments_swift():
    """One call to .venv-omni's Python parses all the recipes it is given (a subprocess: that
    environment's ms-swift and transformers 4.57 cannot load here)."""
    recipe = _shipped("acc", "rtx4090", "qwen2_5_omni")
    assert recipe["model_type"] == "qwen2_5_omni" and recipe["ENV"]["ENABLE_AUDIO_OUTPUT"] == 0
    python = FAMILIES["qwen2_5_omni"].require_env()
    assert problems_in(python, [recipe, {**recipe, "lora_rnak": 8}]) == [[], ["unknown ms-swift argument --lora_rnak"]]


def test_a_folder_of_recipes_needs_its_family(tmp_path, capsys):
    assert main(["recipes", "check", "--recipes", str(tmp_path)]) == 2
    assert "name it with --family" in capsys.readouterr().err


def test_hardware_incoherence_is_named():
    assert hardware_problems(_shipped("acc", "rtx4090_qlora"), "rtx4090_qlora") == []
    bad_batch = {**_shipped("acc", "a100x8"), "gradient_accumulation_steps": 16}
    assert hardware_problems(bad_batch, "a100x8") == ["effective batch 128 != 16"]
    no_quant = {**_shipped("acc", "rtx4090_qlora"), "quant_method": None}
    assert "4-bit" in hardware_problems(no_quant, "rtx4090_qlora")[0]
    off_paper = {**_shipped("ac", "rtx4090"), "lora_rank": 64}
    assert hardware_problems(off_paper, "rtx4090") == ["lora_rank=64, paper says 8"]
    moe = _shipped("acc", "a100x8_mp", "qwen3_omni")
    assert hardware_problems(moe, "a100x8_mp") == []
    assert hardware_problems({**moe, "deepspeed": "zero3"}, "a100x8_mp") == ["deepspeed is not used on the a100x8_mp machine"]


def test_stale_or_misnamed_recipe(tmp_path):
    path = tmp_path / "acc_rtx4090.yaml"
    recipe = {**_shipped("acc", "rtx4090"), "lora_rank": 16}
    path.write_text(yaml.safe_dump(recipe))
    row = check_recipe(path, None)
    assert row["generated"].startswith("stale") and row["hardware"].startswith("lora_rank=16")
    assert run_check(QWEN2_AUDIO, None, tmp_path) == 1
    with pytest.raises(InputError, match="the qwen3_omni family's machines"):  # Qwen3-Omni: 8 x A100 only
        run_check(["qwen3_omni"], None, tmp_path)
    (tmp_path / "acc_h100.yaml").write_text("{}")
    with pytest.raises(InputError, match="recipe name"):
        run_check(QWEN2_AUDIO, None, tmp_path)


def test_data_dir_verifies_every_dataset(dataset_dir, capsys):
    assert run_check(QWEN2_AUDIO, dataset_dir) == 0
    out = capsys.readouterr().out
    rows = len((dataset_dir / "acc_train.jsonl").read_text().splitlines())
    assert rows == 12 and f"{dataset_dir / 'acc_train.jsonl'}: {rows} rows ok" in out  # 2 train bases x 6
    assert "missing" not in out


def _rows(dataset_dir, name):
    return [json.loads(line) for line in (dataset_dir / name).read_text().splitlines()]


@pytest.mark.parametrize("corrupt, message", [
    (lambda r: r[1].update(audios=r[1]["audios"][:1]), "row 2: 2 <audio> tag(s) but 1 audio"),
    (lambda r: r[2].update(audios=["/nowhere/x.wav", r[2]["audios"][1]]),
     "row 3: audio file not found: /nowhere/x.wav"),
    (lambda r: r[0].update(messages=r[0]["messages"][:1]), "row 1: messages must contain"),
    (lambda r: r[3].pop("audios"), "row 4: needs a 'messages' list and an 'audios' list"),
])
def test_bad_rows_give_one_line_naming_file_and_row(dataset_dir, tmp_path, capsys, corrupt,
                                                    message):
    bad = tmp_path / "data"
    shutil.copytree(dataset_dir, bad, ignore=shutil.ignore_patterns("audio"))
    rows = _rows(dataset_dir, "acc_train.jsonl")
    corrupt(rows)
    (bad / "acc_train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["recipes", "check", "--data", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"adcacc: error: {bad / 'acc_train.jsonl'} {message}")


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(InputError, match="dataset file not found.*adcacc build"):
        verify_dataset(tmp_path / "acc_train.jsonl")
    (tmp_path / "x.jsonl").write_text('{"messages": [\n')
    with pytest.raises(InputError, match="row 1: not valid JSON"):
        verify_dataset(tmp_path / "x.jsonl")
    (tmp_path / "list.jsonl").write_text("[1, 2]\n")
    with pytest.raises(InputError, match="row 1: a row must be a JSON object"):
        verify_dataset(tmp_path / "list.jsonl")
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match="empty"):
        verify_dataset(tmp_path / "empty.jsonl")


def test_relative_audio_paths_follow_swift_root_image_dir(dataset_dir, tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(dataset_dir / "audio", data / "audio")
    rows = _rows(dataset_dir, "ac_train.jsonl")
    for r in rows:
        r["audios"] = [str(a).replace(str(dataset_dir) + "/", "") for a in r["audios"]]
    path = data / "ac_train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="row 1: audio file not found: audio/b0/A.wav .*"
                                         "set ROOT_IMAGE_DIR="):
        verify_dataset(path)
    monkeypatch.setenv("ROOT_IMAGE_DIR", str(data))
    assert verify_dataset(path) == len(rows) == 2  # 2 train bases, one AC row each


def test_broken_yaml_is_one_line(tmp_path, capsys):
    (tmp_path / "acc_rtx4090.yaml").write_text("lora_rank: 8\n  bad: [\n")
    assert main(["recipes", "check", "--family", "qwen2_audio", "--recipes", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "acc_rtx4090.yaml row 2: not valid YAML" in err[0]


@pytest.mark.parametrize("key, value, problem", [
    ("num_train_epochs", [1, 2], "value '2' left over"),
    ("ENV", "notadict", "ENV must map variable names"),
    ("dataset", [123], "dataset must be a path or a list of paths"),
])
def test_values_swift_would_refuse_are_refused(tmp_path, capsys, key, value, problem):
    recipe = yaml.safe_load((recipe_dir() / "acc_rtx4090.yaml").read_text())
    recipe[key] = value
    (tmp_path / "acc_rtx4090.yaml").write_text(yaml.safe_dump(recipe))
    try:
        code = run_check(QWEN2_AUDIO, None, tmp_path)
    except InputError as err:
        code, message = 2, str(err)
    else:
        message = capsys.readouterr().out
    assert code != 0 and problem in message, message


def test_deeply_nested_json_row_is_one_line(dataset_dir, tmp_path, capsys):
    bad = tmp_path / "data"
    shutil.copytree(dataset_dir, bad, ignore=shutil.ignore_patterns("audio"))
    good = (bad / "acc_train.jsonl").read_text().splitlines(keepends=True)
    deep = '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
    (bad / "acc_train.jsonl").write_text(good[0] + deep)
    assert main(["recipes", "check", "--data", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"adcacc: error: {bad / 'acc_train.jsonl'} row 2: not valid JSON (nested too deeply)"]
