"""Audio helpers: SNR, STFT, reconstruction, wav reading and writing."""
import numpy as np
import pytest
import soundfile as sf

import helpers as H

COURSE_TRAIN_SAMPLES = 1_258_899


def noise(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def test_snr_identical_signals_is_very_high():
    s = noise(16000)
    assert H.snr(s, s) > 100


def test_snr_matches_known_power_ratio():
    s = noise(48000, 1)
    n = noise(48000, 2)
    n *= np.sqrt(np.sum(s.astype(np.float64) ** 2) / np.sum(n.astype(np.float64) ** 2) / 10 ** (7.5 / 10))
    assert H.snr(s, s + n) == pytest.approx(7.5, abs=1e-3)


def test_snr_cuts_to_the_shorter_signal():
    s = noise(1000)
    assert H.snr(s, np.concatenate([s, np.ones(50, np.float32)])) > 100


def test_snr_of_all_zero_reference_is_a_clear_error():
    with pytest.raises(ValueError, match="all zeros"):
        H.snr(np.zeros(100), noise(100))


def test_stft_shape_for_the_course_training_length():
    assert H.stft(np.zeros(COURSE_TRAIN_SAMPLES, np.float32)).shape == (513, 2459)


def test_reconstruct_with_true_magnitude_returns_the_clean_signal():
    s = H.synthetic_speech(2.0, seed=3)
    x = s + 0.1 * noise(len(s))
    X = H.stft(x)
    # Using the clean STFT's own phase (X = S) the round trip must be exact.
    S = H.stft(s)
    assert H.snr(s, H.reconstruct(S, np.abs(S), len(s))) > 100
    assert len(H.reconstruct(X, np.abs(S), len(x))) == len(x)


def test_reconstruct_handles_zero_magnitude_bins():
    X = H.stft(np.zeros(8000, np.float32))  # every bin is exactly zero
    out = H.reconstruct(X, np.ones(X.shape, np.float32), 8000)
    assert np.isfinite(out).all() and len(out) == 8000


def test_load_wav_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        H.load_wav(tmp_path / "nope.wav")


def test_load_wav_non_audio_file_names_it(tmp_path):
    bad = tmp_path / "fake.wav"
    bad.write_text("this is not audio")
    with pytest.raises(ValueError, match="fake.wav"):
        H.load_wav(bad)


def test_load_wav_mixes_stereo_down_to_mono(tmp_path):
    left, right = np.full(1000, 0.5, np.float32), np.full(1000, -0.25, np.float32)
    sf.write(tmp_path / "st.wav", np.stack([left, right], 1), 16000, subtype="FLOAT")
    x, sr = H.load_wav(tmp_path / "st.wav")
    assert x.shape == (1000,) and sr == 16000 and np.allclose(x, 0.125)


def test_load_wav_keeps_another_rate_unless_asked_to_resample(tmp_path):
    sf.write(tmp_path / "r8k.wav", noise(8000), 8000, subtype="FLOAT")
    x, sr = H.load_wav(tmp_path / "r8k.wav")
    assert (sr, len(x)) == (8000, 8000)
    y, sr2 = H.load_wav(tmp_path / "r8k.wav", sr=16000)
    assert sr2 == 16000 and abs(len(y) - 16000) <= 1 and y.dtype == np.float32


def test_write_wav_round_trips_and_leaves_no_temporary_file(tmp_path):
    s = 0.5 * np.sin(np.linspace(0, 200, 16000)).astype(np.float32)
    H.write_wav(tmp_path / "out.wav", s, 16000)
    back, sr = H.load_wav(tmp_path / "out.wav")
    assert sr == 16000 and H.snr(s, back) > 80
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]


def test_validation_falls_back_to_the_last_tenth_without_test_s_01(tmp_path):
    s, x = noise(10000, 1), noise(10000, 2)
    split = H.split_validation(tmp_path, s, x, 16000)
    assert len(split["s_val"]) == 1000 and len(split["s_train"]) == 9000
    assert np.array_equal(split["x_val"], x[9000:]) and "last 10%" in split["source"]


def test_missing_course_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_clean_male.wav.*train_dirty_male.wav.*QUICK"):
        H.load_training_pair(tmp_path)


def test_load_wav_rejects_nan_samples_naming_the_file(tmp_path):
    bad = np.zeros(1000, np.float32)
    bad[10] = np.nan
    sf.write(tmp_path / "nan.wav", bad, 16000, subtype="FLOAT")
    with pytest.raises(ValueError, match="nan.wav.*NaN or infinite.*Re-export"):
        H.load_wav(tmp_path / "nan.wav")


def test_load_wav_rejects_an_empty_file_naming_it(tmp_path):
    sf.write(tmp_path / "empty.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(ValueError, match="empty.wav.*no samples"):
        H.load_wav(tmp_path / "empty.wav")
