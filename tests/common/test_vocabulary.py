"""One word per thing: every module that names arms, dataset kinds or eval tasks agrees with
adcacc.common.vocabulary."""
from adcacc.common.vocabulary import (ARMS, BASE, CAPTION, DATASETS, EVAL_TASKS, ROWS_PER_BASE, arm_rows_per_base,
                                      balanced)
from adcacc.data_builders.layout import dataset_files
from adcacc.evals.sets import tasks
from adcacc.evals.sets.eval_sets import SET_TASKS
from adcacc.recipes.generate import recipe_dir


def test_every_arm_trains_on_known_dataset_kinds_and_has_its_recipes():
    assert BASE not in ARMS and set(DATASETS) <= set(ARMS)
    for arm, spec in ARMS.items():
        assert spec.datasets and set(spec.datasets) <= set(ROWS_PER_BASE), arm
        assert (recipe_dir() / f"{arm}_rtx4090.yaml").is_file()
    assert arm_rows_per_base("ac_adc") == 7 and arm_rows_per_base("acc") == 6


def test_the_builder_writes_each_dataset_kind_per_split():
    assert {f.split("_")[0] for f in dataset_files()} == set(DATASETS)


def test_eval_tasks_are_the_evals_tasks():
    assert tasks.CAPTION == CAPTION and (CAPTION, *tasks.TASK_LABELS) == EVAL_TASKS
    assert set(SET_TASKS.values()) <= set(EVAL_TASKS)


def test_balanced_gives_every_dataset_the_largest_count():
    assert balanced({"ac": 1, "acc": 6}) == {"ac": 6, "acc": 6}
