"""Where a notebook writes: build/outputs/<name> by default, the committed outputs/<name> only in the re-render."""
from conftest import ROOT

import helpers as H


def test_default_is_under_build(monkeypatch):
    monkeypatch.delenv("HW2_IN_PLACE", raising=False)
    monkeypatch.delenv("HW2_BUILD_DIR", raising=False)
    assert H.output_dir(None, "01_dnn") == ROOT / "build" / "outputs" / "01_dnn"


def test_the_in_place_re_render_writes_the_committed_outputs(monkeypatch):
    monkeypatch.setenv("HW2_IN_PLACE", "1")
    assert H.output_dir(None, "01_dnn") == ROOT / "outputs" / "01_dnn"


def test_an_output_dir_given_as_a_parameter_wins(monkeypatch):
    monkeypatch.setenv("HW2_IN_PLACE", "1")
    assert H.output_dir("scratch/run1", "01_dnn") == ROOT / "scratch" / "run1"


def test_build_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("HW2_IN_PLACE", raising=False)
    monkeypatch.setenv("HW2_BUILD_DIR", str(tmp_path))
    assert H.output_dir(None, "03_augmentation") == tmp_path / "outputs" / "03_augmentation"


def test_the_folder_is_not_created_before_the_first_write(monkeypatch, tmp_path):
    monkeypatch.setenv("HW2_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("HW2_IN_PLACE", raising=False)
    assert not H.output_dir(None, "04_pretext").exists()
