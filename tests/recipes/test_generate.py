"""The checked-in YAMLs are exactly what recipes/spec.py generates, and say what they do."""
from __future__ import annotations

import pytest
import yaml

from adcacc.common.model_families import FAMILIES
from adcacc.common.vocabulary import ARMS
from adcacc.recipes.check import load_recipe
from adcacc.recipes.generate import all_recipes, recipe_dir, write_recipes
from adcacc.recipes.spec import EFFECTIVE_BATCH, SHARED, effective_batch, recipe_settings


@pytest.mark.parametrize("family", FAMILIES)
def test_checked_in_recipes_are_current(family):
    expected = all_recipes(family)
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in recipe_dir(family).glob("*.yaml")}
    assert on_disk == expected, "run `adcacc recipes generate` and commit the result"
    assert len(expected) == len(ARMS) * len(FAMILIES[family].hardware)  # 6 arms (ac_matched included) x machines


@pytest.mark.parametrize("family", FAMILIES)
def test_yaml_parses_to_the_spec_and_keeps_paper_settings(family):
    for arm in ARMS:
        for hw in FAMILIES[family].hardware:
            text = (recipe_dir(family) / f"{arm}_{hw}.yaml").read_text(encoding="utf-8")
            recipe = yaml.safe_load(text)
            assert list(recipe.items()) == [(key, value) for key, value, _ in recipe_settings(arm, hw, family)]
            assert effective_batch(recipe) == EFFECTIVE_BATCH
            assert (recipe["lora_rank"], recipe["lora_alpha"], recipe["lora_dropout"]) == (8, 32, 0.05)
            assert recipe["learning_rate"] == 1e-4 and recipe["weight_decay"] == 0.1
            assert (recipe["model"], recipe["model_type"]) == (FAMILIES[family].model_id, FAMILIES[family].model_type)
            header = text.split("\n\n")[0]
            for field in ("Reproduces:", "Launch:", "Data:", "Memory:", "Infer:"):
                assert field in header, (arm, hw, field)


def test_the_omni_families_differ_from_qwen2_audio_only_where_they_say_why():
    """Same shared keys and values but the model; the thinker-only switch joins the ENV block."""
    base = dict((k, v) for k, v, _ in recipe_settings("acc", "rtx4090"))
    omni = {k: (v, why) for k, v, why in recipe_settings("acc", "rtx4090", "qwen2_5_omni")}
    differ = {k for k, (v, _) in omni.items() if base.get(k) != v}
    assert differ == {"model", "model_type", "output_dir", "ENV"}
    assert omni["ENV"][0] == {**base["ENV"], "ENABLE_AUDIO_OUTPUT": 0} and "talker" in omni["ENV"][1]
    assert [k for k, _, _ in SHARED] == list(omni)[:len(SHARED)]
    moe = dict((k, v) for k, v, _ in recipe_settings("acc", "a100x8_mp", "qwen3_omni"))
    assert "deepspeed" not in moe and moe["ENV"] == {"NPROC_PER_NODE": 4, "ENABLE_AUDIO_OUTPUT": 0}


def test_joint_tasks_train_on_both_datasets():
    assert load_recipe(recipe_dir() / "ac_acc_rtx4090.yaml")["dataset"] == [
        "data/adcacc/ac_train.jsonl", "data/adcacc/acc_train.jsonl"]
    assert "NPROC_PER_NODE=8 swift sft" in all_recipes()["adc_a100x8.yaml"]
    assert "Launch:   swift sft recipes/qwen2_5_omni/acc_rtx4090.yaml with .venv-omni's swift" in \
        all_recipes("qwen2_5_omni")["acc_rtx4090.yaml"]


def test_write_recipes_restores_an_edited_file(tmp_path):
    write_recipes("qwen2_audio", tmp_path)
    target = tmp_path / "acc_rtx4090.yaml"
    target.write_text("lora_rank: 64\n")
    write_recipes("qwen2_audio", tmp_path)
    assert target.read_text() == all_recipes()["acc_rtx4090.yaml"]
