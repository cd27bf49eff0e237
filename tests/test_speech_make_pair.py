"""scripts/make_test_pair.py: any clean recording plus the course's chip noise, at a chosen input SNR."""
import importlib.util

import numpy as np
import pytest
import soundfile as sf
from conftest import ROOT

import helpers as H

_spec = importlib.util.spec_from_file_location("make_test_pair", ROOT / "scripts" / "make_test_pair.py")
make_test_pair = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_test_pair)


@pytest.fixture()
def data_dir(tmp_path):
    return H.write_synthetic_speech_data(tmp_path / "data", train_seconds=12, test_seconds=2)


@pytest.fixture()
def stereo_44k(tmp_path):
    """A 3 s stereo recording at 44.1 kHz."""
    s = H.synthetic_speech(3.0, 44100, seed=7)
    path = tmp_path / "me.wav"
    sf.write(path, np.stack([s, 0.5 * s], 1), 44100)
    return path


def test_pair_is_written_at_16k_mono_with_the_requested_snr(data_dir, stereo_44k):
    assert make_test_pair.main([str(stereo_44k), "--id", "21", "--snr", "4", "--data-dir", str(data_dir)]) == 0
    x, sr = H.load_wav(data_dir / "test_x_21.wav")
    s, _ = H.load_wav(data_dir / "test_s_21.wav")
    assert sr == 16000 and len(x) == len(s) == pytest.approx(3 * 16000, abs=2)
    assert H.snr(s, x) == pytest.approx(4, abs=0.05)
    assert "21" in H.find_test_pairs(data_dir) and H.find_test_pairs(data_dir)["21"][1] is not None


def test_speech_is_scaled_to_the_training_speech_level(data_dir, stereo_44k):
    make_test_pair.main([str(stereo_44k), "--id", "22", "--noise-start", "1.5", "--data-dir", str(data_dir)])
    s, _ = H.load_wav(data_dir / "test_s_22.wav")
    train, _ = H.load_wav(data_dir / "train_clean_male.wav")
    assert np.sqrt(np.mean(s**2)) == pytest.approx(np.sqrt(np.mean(train**2)), rel=0.02)


def test_an_existing_id_is_refused_without_force(data_dir, stereo_44k, capsys):
    assert make_test_pair.main([str(stereo_44k), "--id", "01", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "test_x_01.wav exists" in err and "--force" in err
    assert make_test_pair.main([str(stereo_44k), "--id", "01", "--data-dir", str(data_dir), "--force"]) == 0


def test_a_missing_recording_is_named(data_dir, tmp_path, capsys):
    assert make_test_pair.main([str(tmp_path / "nobody.wav"), "--id", "23", "--data-dir", str(data_dir)]) == 2
    assert "nobody.wav" in capsys.readouterr().err


def test_a_silent_recording_is_refused(data_dir, tmp_path, capsys):
    sf.write(tmp_path / "quiet.wav", np.zeros(16000, np.float32), 16000)
    assert make_test_pair.main([str(tmp_path / "quiet.wav"), "--id", "24", "--data-dir", str(data_dir)]) == 2
    assert "silent" in capsys.readouterr().err
    assert not (data_dir / "test_x_24.wav").exists()


def test_noise_past_the_end_continues_time_reversed():
    noise = np.arange(10.0)
    assert H.noise_excerpt(noise, 7, 8).tolist() == [7, 8, 9, 9, 8, 7, 7, 8]


def test_a_missing_recording_gets_advice_about_the_recording(data_dir, tmp_path, capsys):
    make_test_pair.main([str(tmp_path / "nobody.wav"), "--id", "25", "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert "your recording" in err and "course" not in err and "QUICK" not in err


def test_an_unreadable_recording_gets_advice_about_the_recording(data_dir, tmp_path, capsys):
    (tmp_path / "me.wav").write_text("not audio")
    assert make_test_pair.main([str(tmp_path / "me.wav"), "--id", "26", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "me.wav: not a readable audio file" in err and "Export your recording again" in err


def test_a_data_folder_without_the_training_pair_is_explained_without_quick_mode(tmp_path, stereo_44k, capsys):
    assert make_test_pair.main([str(stereo_44k), "--id", "27", "--data-dir", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "train_clean_male.wav" in err and "make_test_pair.py takes its noise" in err and "QUICK" not in err
