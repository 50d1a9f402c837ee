"""The one flag dict -> swift argv adapter."""
from adcacc.recipes.launch import train_argv
from adcacc.recipes.spec import CPU_OVERRIDES
from adcacc.recipes.swift_flags import flag_argv


def test_flags_become_arguments_lists_expand_and_booleans_are_lowercase():
    argv = flag_argv({"max_steps": 20, "bf16": False, "lora_target_modules": ["q_proj", "v_proj"], "lr": 1e-4})
    assert argv == ["--max_steps", "20", "--bf16", "false", "--lora_target_modules", "q_proj", "v_proj",
                    "--lr", "0.0001"]


def test_a_recipe_run_names_each_flag_once_the_callers_value_over_the_cpu_overrides(tmp_path):
    argv = train_argv("ac", "rtx4090", tmp_path / "m", tmp_path, {"max_steps": 60, "seed": 3})
    flags = [a for a in argv if a.startswith("--")]
    assert len(flags) == len(set(flags)) and set(f"--{k}" for k in CPU_OVERRIDES) <= set(flags)
    assert argv[argv.index("--max_steps") + 1] == "60" and argv[argv.index("--seed") + 1] == "3"
    assert "--output_dir" not in argv  # run_swift adds it, pointing at its temporary folder
    gpu = train_argv("ac", "rtx4090", tmp_path / "m", tmp_path, {"seed": 3}, cpu=False)
    assert "--max_steps" not in gpu and "--bf16" not in gpu  # the recipe's own values
