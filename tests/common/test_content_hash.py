"""Content hashes: a rewrite is seen even when size and mtime are restored; unchanged files
are not read again; a dry run (save=False) writes nothing."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from adcacc.common import content_hash
from adcacc.common.content_hash import content_digests, file_hashes


def _rewrite_keeping_size_and_mtime(path: Path, data: bytes) -> None:
    """Rewrite in place, then restore the mtime as `touch -r` would; waits (by polling, not
    sleeping) until the file system's clock moves so the inode change time can differ."""
    st = path.stat()
    while path.stat().st_ctime_ns == st.st_ctime_ns:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    path.write_bytes(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)


def test_the_cache_is_used_until_the_inode_change_time_moves(tmp_path, monkeypatch):
    monkeypatch.setattr(content_hash, "RACY_NS", 0)  # trust entries of files written just now
    f, cache = tmp_path / "a.wav", tmp_path / "cache.json"
    f.write_bytes(b"first version")
    assert file_hashes([f], cache) == {str(f): hashlib.sha256(b"first version").hexdigest()}
    reads = []
    real = content_hash._sha256
    monkeypatch.setattr(content_hash, "_sha256", lambda p: reads.append(p) or real(p))
    file_hashes([f], cache)
    assert reads == []  # unchanged: the cached hash
    _rewrite_keeping_size_and_mtime(f, b"other version")
    assert file_hashes([f], cache) == {str(f): hashlib.sha256(b"other version").hexdigest()}
    assert reads == [str(f)]


def test_a_file_changed_just_before_hashing_is_not_cached(tmp_path):
    f, cache = tmp_path / "a.wav", tmp_path / "cache.json"
    f.write_bytes(b"x")
    file_hashes([f], cache)
    assert not cache.exists()  # a rewrite in the same clock tick would keep its stats


def test_callers_share_one_cache_file(tmp_path, monkeypatch):
    monkeypatch.setattr(content_hash, "RACY_NS", 0)
    a, b, cache = tmp_path / "a", tmp_path / "b", tmp_path / "cache.json"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    file_hashes([a], cache)
    file_hashes([b], cache)
    assert sorted(json.loads(cache.read_text())) == [str(a), str(b)]


def test_folder_digest_follows_content_names_and_skips_hidden_files(tmp_path):
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "x.wav").write_bytes(b"1")
    (root / "c.csv").write_text("id\n")
    before = content_digests([root], None)[str(root)]
    (root / ".notes").write_text("hidden")
    (root / ".cache").mkdir()
    (root / ".cache" / "y").write_text("hidden")
    assert content_digests([root], None)[str(root)] == before
    (root / "sub" / "x.wav").write_bytes(b"2")
    changed = content_digests([root], None)[str(root)]
    assert changed != before
    (root / "sub" / "x.wav").rename(root / "sub" / "z.wav")
    assert content_digests([root], None)[str(root)] != changed
    assert content_digests([tmp_path / "missing"], None) == {str(tmp_path / "missing"): "absent"}


def test_save_false_writes_nothing(tmp_path):
    f = tmp_path / "a"
    f.write_bytes(b"x")
    file_hashes([f], tmp_path / "sub" / "cache.json", save=False)
    assert not (tmp_path / "sub").exists()
