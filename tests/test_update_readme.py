"""scripts/update_readme.py: the README's results come only from full runs on the course data."""
import importlib.util
import json

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("update_readme", ROOT / "scripts" / "update_readme.py")
update_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update_readme)


@pytest.fixture()
def outputs(tmp_path, monkeypatch):
    """A temporary outputs/ folder and README copy for the script to read and (not) rewrite."""
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    monkeypatch.setattr(update_readme, "OUTPUTS", tmp_path / "outputs")
    monkeypatch.setattr(update_readme, "README", readme)
    monkeypatch.setattr(update_readme, "BENCHMARKS", tmp_path / "benchmarks-README.md")  # absent: not rewritten
    return tmp_path / "outputs"


def write_metrics(outputs, quick, synthetic):
    path = outputs / "01_dnn" / "metrics.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"synthetic_data": synthetic, "settings": {"QUICK": quick}}))
    return path


def test_quick_metrics_are_refused_naming_the_file(outputs, capsys):
    path = write_metrics(outputs, quick=True, synthetic=False)
    assert update_readme.main([]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "QUICK run" in err


def test_metrics_of_the_synthetic_stand_in_are_refused(outputs, capsys):
    write_metrics(outputs, quick=False, synthetic=True)
    assert update_readme.main(["--check"]) == 2
    assert "synthetic stand-in" in capsys.readouterr().err


def test_a_refused_run_leaves_the_readme_as_it_was(outputs):
    write_metrics(outputs, quick=True, synthetic=True)
    before = update_readme.README.read_text()
    update_readme.main([])
    assert update_readme.README.read_text() == before
