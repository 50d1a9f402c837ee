"""Issue 21: every `adcacc adiff` command that writes refuses a folder it did not make, before
any long work, and leaves it untouched."""
from __future__ import annotations

from pathlib import Path

import pytest

from adcacc.cli import main

CONFIG = Path(__file__).resolve().parents[2] / "adiff_small" / "configs" / "demo_smollm2.yaml"


def _args(command: str, user: Path, corpus: Path, tiny_lm: Path, released) -> list[str]:
    meta, audio = released
    return {
        "train": ["train", "--config", str(CONFIG), "--set", "model.encoder=tiny", "--set", f"model.lm={tiny_lm}",
                  "--set", f"train.out_dir={user}"],
        "eval": ["eval", "--checkpoint", str(user.parent / "no-checkpoint"), "--data", str(meta),
                 "--audio-root", str(audio), "--out", str(user), "--quiet"],
        "import-release": ["import-release", str(user.parent / "release.ckpt"), "--out", str(user)],
        "make-explanations": ["make-explanations", "--clips", str(corpus / "events.csv"), "--out", str(user), "--quiet"],
        "demo": ["demo", "--corpus", str(corpus), "--out", str(user), "--quiet"],
    }[command]


@pytest.mark.parametrize("command", ["train", "eval", "import-release", "make-explanations", "demo"])
def test_adiff_command_refuses_a_users_folder(command, corpus, tiny_lm, released, tmp_path, capsys):
    user = tmp_path / "u"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    (tmp_path / "release.ckpt").write_bytes(b"not read: the folder is refused first")
    assert main(["adiff", *_args(command, user, corpus, tiny_lm, released)]) == 2
    err = capsys.readouterr().err
    assert f"not empty and was not made by adcacc adiff {command}" in err and "Traceback" not in err
    assert [p.name for p in user.iterdir()] == ["notes.txt"] and (user / "notes.txt").read_text() == "mine"
