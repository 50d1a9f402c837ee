"""The speech emotion proxy (SER analogue): the same neutral sentences spoken with four prosodies.

No emotional speech corpus is in the package registries, so the clips are synthesized with
espeak-ng (Debian's package): one pool of neutral-content sentences, said by several English
voices with the pitch, speed and loudness of each label. The emotion is in the prosody only,
never in the words, so a model must listen to the voice to answer, as in IEMOCAP. Our choice
of prosodies, loosely after the acoustic correlates reported for acted emotion (sad: low,
slow, quiet; angry: loud, fast; happy: high, fast; neutral: the voice's defaults), each
jittered per clip so the classes overlap a little. Test and training clips use disjoint
sentences. espeak-ng is deterministic, so the same seed gives the same WAVs.
"""
from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np

from adcacc.common.errors import InputError

LABELS = ("neutral", "happy", "sad", "angry")  # adcacc.evals.sets.tasks.TASK_LABELS["ser"], in its order
# label -> (pitch 0-99, words per minute, amplitude 0-200) before jitter: our choice (see above)
PROSODY = {"neutral": (50, 165, 100), "happy": (78, 200, 125), "sad": (28, 120, 60), "angry": (55, 215, 185)}
JITTER = (6, 12, 12)  # +- uniform jitter of pitch, speed and amplitude per clip
# six distinct voices: espeak-ng ignores a +variant after "en-gb" (en-gb+m4 is plain en), so the
# last two use the Scottish and Caribbean accents; a test checks every voice sounds different
VOICES = ("en-us+m3", "en-us+f2", "en+m1", "en+f4", "en-gb-scotland+m4", "en-029+f3")
SENTENCES = (
    "The meeting starts at nine tomorrow morning.", "I put the keys on the kitchen table.",
    "The train leaves from platform four.", "We moved the chairs into the other room.",
    "She bought bread and milk on the way home.", "The report is due at the end of the week.",
    "He parked the car behind the building.", "The package arrived this afternoon.",
    "They painted the fence last summer.", "The library closes at six on Fridays.",
    "I will call you after lunch.", "The window in the hall is open.",
    "We took the bus to the station.", "The plants need water twice a week.",
    "He wrote the numbers on a piece of paper.", "The store has a new entrance.",
    "My brother lives in the next town.", "The soup is on the stove.",
    "The bridge was built a long time ago.", "She left her coat in the car.",
    "The clock on the wall says ten past four.", "We are going to the market on Sunday.",
    "The printer is next to the door.", "He read the letter twice.",
    "The shoes are in the box under the bed.", "Our flight was moved to the evening.",
    "The cat is sleeping on the sofa.", "They opened a shop on the corner.",
    "I found the book you were looking for.", "The road goes along the river.",
    "The lamp needs a new bulb.", "We counted the boxes in the garage.",
    "The teacher handed out the papers.", "The door to the garden is locked.",
    "He sent the email this morning.", "The cups are in the top cupboard.",
    "The bus was ten minutes late.", "She turned off the lights.",
    "The field behind the house is empty.", "I wrote down the address.",
)
N_TEST_SENTENCES = 16  # the first 16 sentences are for test clips only, the rest for training
PER_LABEL = {"test": 60, "train": 80}  # clips per label and split


def espeak_version() -> str:
    """`espeak-ng --version`'s first line (the corpus manifest records it)."""
    return _run(["espeak-ng", "--version"]).decode().strip().splitlines()[0].split("  Data at")[0]


def ser_clips(seed: int, sample_rate: int) -> list[tuple[str, str, np.ndarray]]:
    """(split, label, audio) for every clip, in a fixed order: per split, round-robin labels."""
    rng = np.random.default_rng([seed, 7])
    clips = []
    for split, n in PER_LABEL.items():
        sentences = SENTENCES[:N_TEST_SENTENCES] if split == "test" else SENTENCES[N_TEST_SENTENCES:]
        for i in range(n):
            for label in LABELS:
                text, voice = sentences[int(rng.integers(len(sentences)))], VOICES[int(rng.integers(len(VOICES)))]
                jitter = [int(rng.integers(-j, j + 1)) for j in JITTER]
                clips.append((split, label, speak(text, voice, label, jitter, sample_rate)))
    return clips


def speak(text: str, voice: str, label: str, jitter: list[int], sample_rate: int) -> np.ndarray:
    """One clip: espeak-ng's WAV at `sample_rate`, mono float32, loudness left as spoken (the
    amplitude is part of the label), scaled only to stay below full scale."""
    import soundfile as sf
    import soxr

    pitch, speed, amp = (base + d for base, d in zip(PROSODY[label], jitter))
    wav = _run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-a", str(amp), "--stdout", text])
    audio, sr = sf.read(io.BytesIO(wav), dtype="float32")
    audio = soxr.resample(audio, sr, sample_rate, quality="HQ").astype(np.float32) if sr != sample_rate else audio
    peak = float(np.abs(audio).max()) or 1.0
    return (audio * min(1.0, 0.95 / peak)).astype(np.float32)


def _run(argv: list[str]) -> bytes:
    if shutil.which(argv[0]) is None:
        raise InputError(argv[0], "not installed: the speech emotion proxy is synthesized with it; "
                                  "run `apt-get install espeak-ng` (or `bash scripts/setup.sh`)")
    return subprocess.run(argv, capture_output=True, check=True).stdout
