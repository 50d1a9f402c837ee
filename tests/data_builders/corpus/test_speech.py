"""The speech emotion proxy: real espeak-ng clips, deterministic, emotions told apart by
prosody alone, test and training sentences disjoint, a missing espeak-ng one line."""
import numpy as np
import pytest

from adcacc.common.errors import InputError
from adcacc.data_builders.corpus import speech


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2)))


def test_the_same_sentence_and_voice_differ_by_label_as_the_prosodies_say():
    text, voice = speech.SENTENCES[0], speech.VOICES[0]
    clips = {lab: speech.speak(text, voice, lab, [0, 0, 0], 16000) for lab in speech.LABELS}
    seconds = {lab: len(a) / 16000 for lab, a in clips.items()}
    assert seconds["sad"] > seconds["neutral"] > seconds["happy"] > seconds["angry"]  # slow .. fast
    assert _rms(clips["angry"]) > _rms(clips["neutral"]) > _rms(clips["sad"])  # loud .. quiet
    assert np.array_equal(clips["sad"], speech.speak(text, voice, "sad", [0, 0, 0], 16000))  # deterministic


def test_every_voice_sounds_different():
    """A voice name espeak-ng does not know, or a variant it ignores, falls back silently to
    another voice; the proxy would then have fewer speakers than it says."""
    clips = [speech.speak(speech.SENTENCES[0], v, "neutral", [0, 0, 0], 16000) for v in speech.VOICES]
    distinct = {a.tobytes() for a in clips}
    assert len(distinct) == len(speech.VOICES)
    assert not any(np.array_equal(a, speech.speak(speech.SENTENCES[0], "en", "neutral", [0, 0, 0], 16000))
                   for a in clips)


def test_labels_match_the_ser_task_and_splits_use_disjoint_sentences(monkeypatch):
    from adcacc.evals.sets.tasks import TASK_LABELS

    assert speech.LABELS == TASK_LABELS["ser"]
    spoken = []
    monkeypatch.setattr(speech, "speak", lambda text, voice, label, jitter, sr: spoken.append(text) or np.zeros(1))
    clips = speech.ser_clips(0, 16000)
    n_test = 4 * speech.PER_LABEL["test"]
    assert len(clips) == n_test + 4 * speech.PER_LABEL["train"] and n_test >= 200
    assert not set(spoken[:n_test]) & set(spoken[n_test:])
    assert [c[1] for c in clips[:4]] == list(speech.LABELS)


def test_a_missing_espeak_is_one_line_saying_how_to_install_it(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(InputError, match="apt-get install espeak-ng"):
        speech.speak("Hello.", speech.VOICES[0], "sad", [0, 0, 0], 16000)
