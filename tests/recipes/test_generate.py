"""The checked-in YAMLs are exactly what recipes/spec.py generates, and say what they do."""
from __future__ import annotations

import yaml

from adcacc.common.vocabulary import ARMS
from adcacc.recipes.check import load_recipe
from adcacc.recipes.generate import RECIPE_DIR, all_recipes, write_recipes
from adcacc.recipes.spec import EFFECTIVE_BATCH, HARDWARE, effective_batch, recipe_settings


def test_checked_in_recipes_are_current():
    expected = all_recipes()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in RECIPE_DIR.glob("*.yaml")}
    assert on_disk == expected, "run `adcacc recipes generate` and commit the result"
    assert len(expected) == len(ARMS) * len(HARDWARE) == 18  # 6 arms (ac_matched included) x 3


def test_yaml_parses_to_the_spec_and_keeps_paper_settings():
    for arm in ARMS:
        for hw in HARDWARE:
            text = (RECIPE_DIR / f"{arm}_{hw}.yaml").read_text(encoding="utf-8")
            recipe = yaml.safe_load(text)
            assert list(recipe.items()) == [(key, value) for key, value, _ in recipe_settings(arm, hw)]
            assert effective_batch(recipe) == EFFECTIVE_BATCH
            assert (recipe["lora_rank"], recipe["lora_alpha"], recipe["lora_dropout"]) == (8, 32, 0.05)
            assert recipe["learning_rate"] == 1e-4 and recipe["weight_decay"] == 0.1
            header = text.split("\n\n")[0]
            for field in ("Reproduces:", "Launch:", "Data:", "Memory:", "Infer:"):
                assert field in header, (arm, hw, field)


def test_joint_tasks_train_on_both_datasets():
    assert load_recipe(RECIPE_DIR / "ac_acc_rtx4090.yaml")["dataset"] == [
        "data/adcacc/ac_train.jsonl", "data/adcacc/acc_train.jsonl"]
    assert "NPROC_PER_NODE=8 swift sft" in all_recipes()["adc_a100x8.yaml"]


def test_write_recipes_restores_an_edited_file(tmp_path):
    write_recipes(tmp_path)
    target = tmp_path / "acc_rtx4090.yaml"
    target.write_text("lora_rank: 64\n")
    write_recipes(tmp_path)
    assert target.read_text() == all_recipes()["acc_rtx4090.yaml"]
