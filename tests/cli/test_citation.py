"""LICENSE and CITATION.cff are present and valid: the citation file is checked by cffconvert (the Citation File
Format's own validator), installed into a throwaway virtualenv so its old pins never touch the project's."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.slow


def test_licence_is_apache_2():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_citation_file_is_valid(tmp_path):
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "Apache-2.0"
    from nyc_cannabis import __version__
    assert cff["version"] == __version__
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "cffconvert==2.0.0"],
                             capture_output=True, text=True, timeout=300)
    if install.returncode != 0:
        pytest.skip(f"cffconvert could not be installed (no package registry?): {install.stderr[-300:]}")
    done = subprocess.run([str(venv / "bin" / "cffconvert"), "--validate", "-i", str(ROOT / "CITATION.cff")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
