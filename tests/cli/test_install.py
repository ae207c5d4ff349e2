"""The package installs and runs from anywhere: build a wheel, install it into a fresh virtualenv outside the
repository, and run the console script's demo, ingest, project, disparity and report from another folder.

The fresh virtualenv gets the already-installed dependencies through a path file (no download of pandas and
friends); the package itself, its SQL, YAML and reference tables come only from the wheel."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow


def run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_pip_install_then_the_console_script_works_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=tmp_path)
    (wheel,) = wheels.glob("nyc_cannabis_enforcement-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    py = venv / "bin" / "python"
    run(py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    # the dependencies this test run already has, without the repository or its editable install
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    purelib = Path(run(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).stdout.strip())
    (purelib / "zz_test_deps.pth").write_text("\n".join(deps) + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANALYTICS_DB")}
    where = run(py, "-c", "import nyc_cannabis; print(nyc_cannabis.__file__)", cwd=work, env=env).stdout
    assert str(venv) in where and str(ROOT) not in where  # the installed copy, not the repository
    tool = venv / "bin" / "nyc-cannabis-enforcement"
    db = work / "demo.duckdb"

    def cli(*args: str) -> dict:
        return json.loads(run(tool, *args, "--json", cwd=work, env=env).stdout)

    demo = cli("demo", "--out", "csv", "--arrests", "2000", "--summonses", "2000", "--db", str(db))
    assert [f["rows"] for f in demo["manifest"]["files"]] == [2000, 2000]
    again = cli("ingest", str(work / "csv" / "demo_arrests.csv"), "--db", str(db))  # the same file: all duplicates
    assert again["files"][0]["rows_loaded"] == 0
    projected = cli("project", "--db", str(db), "--dataset", "arrests", "--regime", "mrta-2021")
    assert sum(g["records"] for g in projected["groups"]) > 0
    compared = cli("disparity", "--db", str(db), "--dataset", "arrests", "--by", "borough")
    assert compared["groups"] and compared["areas"]
    report = cli("report", "--db", str(db), "--out", "report.html")
    assert (work / "report.html").stat().st_size > 100_000 and report["sections"]
    assert (work / "csv" / "SYNTHETIC.json").is_file()
