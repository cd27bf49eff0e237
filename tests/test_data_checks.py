"""Notebooks 01-02 read and check every speech file before any training, and stop naming each bad file."""
import shutil

import numpy as np
import papermill as pm
import pytest
from conftest import ROOT
from papermill.exceptions import PapermillExecutionError

import helpers as H


@pytest.fixture()
def data_dir(tmp_path, speech_dir):
    """A private copy of the synthetic stand-in under the course's file names."""
    return shutil.copytree(speech_dir, tmp_path / "data")


def garbage_pair(folder):
    (folder / "test_x_31.wav").write_text("this is not audio")


def test_a_missing_course_file_stops_a_quick_run_naming_it(data_dir):
    (data_dir / "train_dirty_male.wav").unlink()
    with pytest.raises(FileNotFoundError, match="train_dirty_male.wav.*QUICK = True does not help"):
        H.speech_run_data(data_dir, quick=True)


def test_a_missing_course_file_stops_a_full_run_naming_it(data_dir):
    (data_dir / "train_clean_male.wav").unlink()
    with pytest.raises(FileNotFoundError, match="missing in .*: train_clean_male.wav"):
        H.speech_run_data(data_dir, quick=False)


def test_without_any_speech_file_a_full_run_names_the_course_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_clean_male.wav, train_dirty_male.wav.*set QUICK = True"):
        H.speech_run_data(tmp_path, quick=False)


def test_a_garbage_test_pair_stops_the_run_naming_it(data_dir):
    garbage_pair(data_dir)
    with pytest.raises(ValueError, match="test_x_31.wav: not a readable audio file.*make_test_pair.py"):
        H.speech_run_data(data_dir, quick=True)


def test_a_pair_of_different_lengths_is_named(data_dir):
    H.write_wav(data_dir / "test_x_32.wav", np.zeros(1600, np.float32) + 0.1, 16000)
    H.write_wav(data_dir / "test_s_32.wav", np.zeros(800, np.float32) + 0.1, 16000)
    with pytest.raises(ValueError, match="test_x_32.wav: 1600 samples but test_s_32.wav has 800"):
        H.speech_run_data(data_dir, quick=True)


def test_every_bad_file_is_named_in_one_message(data_dir):
    garbage_pair(data_dir)
    (data_dir / "test_s_02.wav").write_bytes(b"")
    with pytest.raises(ValueError, match="(?s)2 problems.*test_s_02.wav.*test_x_31.wav"):
        H.speech_run_data(data_dir, quick=True)


def test_every_test_pair_is_loaded_up_front(data_dir):
    run = H.speech_run_data(data_dir, quick=True)
    pairs = run["test_pairs"]
    assert set(pairs) == {"01", "02"} and len(pairs["02"]["x"]) == len(pairs["02"]["s"]) > 0


def test_the_synthetic_stand_in_is_written_under_build(tmp_path, monkeypatch):
    monkeypatch.setenv("HW2_BUILD_DIR", str(tmp_path / "build"))
    empty = tmp_path / "empty"
    empty.mkdir()
    run = H.speech_run_data(empty, quick=True)
    assert run["synthetic"] and run["data_dir"] == tmp_path / "build" / "synthetic_speech"


def test_notebook_01_stops_before_training_and_writes_nothing(tmp_path):
    data = H.write_synthetic_speech_data(tmp_path / "data", train_seconds=12, test_seconds=2)
    garbage_pair(data)
    out = tmp_path / "out"
    with pytest.raises(PapermillExecutionError) as failure:
        pm.execute_notebook(str(ROOT / "notebooks" / "01_speech_denoising_dnn.ipynb"), str(tmp_path / "run.ipynb"),
                            parameters={"QUICK": True, "DATA_DIR": str(data), "OUTPUT_DIR": str(out)},
                            kernel_name="python3", cwd=str(ROOT / "notebooks"), progress_bar=False)
    e = failure.value
    assert "speech_run_data" in e.source and "test_x_31.wav" in e.evalue and not out.exists()
