from adcacc.data_builders import prompts
from adcacc.evals.sets.tasks import CAPTION, CAPTION_PROMPT, default_prompt


def test_caption_prompt_is_outside_every_training_pool():
    """evals/README.md says so: no arm is scored on an instruction it was trained with."""
    pools = [v for k, v in vars(prompts).items() if k.endswith("_PROMPTS") and isinstance(v, tuple)]
    assert pools and all(CAPTION_PROMPT not in pool for pool in pools)
    assert default_prompt(CAPTION) == CAPTION_PROMPT

