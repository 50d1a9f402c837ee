"""The task vocabulary of the evals: labels, their spoken names, and the prompts per task.

Loaders check labels against it, label mapping matches answers against it, scoring and
inference read prompts from it; one module, so the four can never disagree.
"""
from __future__ import annotations

from adcacc.common.vocabulary import CAPTION  # the eval tasks are named in common.vocabulary

# Our choice, justified in evals/README.md ("Prompts"): a caption instruction that is not in
# the training prompt pool (data_builders/prompts.py), so no arm is scored on a prompt it
# was trained on.
CAPTION_PROMPT = "Generate a caption for the audio."

TASK_LABELS: dict[str, tuple[str, ...]] = {
    "vsc": ("laughter", "sigh", "cough", "throatclearing", "sneeze", "sniff"),
    "ser": ("neutral", "happy", "sad", "angry"),
    "mic": ("bass", "brass", "flute", "guitar", "keyboard", "mallet", "organ", "reed",
            "string", "synth_lead", "vocal"),
    "mgc": ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop",
            "reggae", "rock"),
}
TASK_NAMES = {"vsc": "vocal sound classification", "ser": "speech emotion recognition",
              "mic": "musical instrument classification", "mgc": "music genre classification"}
# The prompt lists the allowed answers in their spoken form (what the model should say).
SPOKEN = {"throatclearing": "throat clearing", "synth_lead": "synth lead", "hiphop": "hip hop"}
_PROMPT = {
    "vsc": "What kind of vocal sound is this? Answer with one of: {labels}.",
    "ser": "What emotion does the speaker express? Answer with one of: {labels}.",
    "mic": "Which instrument family plays this note? Answer with one of: {labels}.",
    "mgc": "What is the music genre of this clip? Answer with one of: {labels}.",
}


def spoken(label: str) -> str:
    """A label as the prompt lists it and the model should say it."""
    return SPOKEN.get(label, label)


def task_prompt(task: str) -> str:
    """The documented prompt for a retention task, listing its allowed labels."""
    labels = ", ".join(spoken(lab) for lab in TASK_LABELS[task])
    return _PROMPT[task].format(labels=labels)


def default_prompt(task: str) -> str:
    """The prompt a run of `task` uses unless `--prompt` overrides it."""
    return CAPTION_PROMPT if task == CAPTION else task_prompt(task)
