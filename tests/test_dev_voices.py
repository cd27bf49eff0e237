"""hw2/dev_voices.py and the voice-balance augmentations: summaries over the dev voices, per-band energies,
the low shelf, the bass-heavy validation copy and the speech EQ's wider lowest band."""
import numpy as np
import pytest
import torch

import helpers as H

LABELS = {"11": {"voice": "female", "f0_hz": 228.0, "role": "trained noise"},
          "12": {"voice": "female", "f0_hz": 228.0, "role": "dev"},
          "21": {"voice": "male", "f0_hz": 92.0, "role": "dev"},
          "22": {"voice": "male", "f0_hz": 103.0, "role": "dev"}}


def _tone(freq, seconds=1.0, sr=16000):
    return (0.1 * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def test_the_committed_labels_table_names_every_dev_pair():
    labels = H.dev_voice_labels()
    assert {p for p, r in labels.items() if r["role"] == "dev"} == {"12", "21", "22", "23", "24", "25", "26"}
    assert labels["11"]["role"] == "trained noise" and labels["21"]["voice"] == "male"


def test_summary_averages_labelled_dev_pairs_only():
    scores = {"11": {"snr_db": 30.0}, "12": {"snr_db": 15.0, "pesq": 2.0}, "21": {"snr_db": 9.0, "pesq": 1.0},
              "22": {"snr_db": 12.0}, "99": {"snr_db": 1.0}, "02": {"snr_db": None}}
    v = H.voice_summary(scores, LABELS)
    assert v["pairs"] == ["12", "21", "22"] and v["unlabelled"] == ["99"]
    assert v["mean_snr_db"] == pytest.approx(12.0) and v["male_mean_snr_db"] == pytest.approx(10.5)
    assert v["female_mean_snr_db"] == pytest.approx(15.0)
    assert (v["worst_pair"], v["worst_snr_db"]) == ("21", 9.0)
    assert v["mean_pesq"] == pytest.approx(1.5)  # missing measures are left out, not zeroed


def test_summary_without_dev_pairs_has_no_means():
    v = H.voice_summary({"02": {"snr_db": None}}, LABELS)
    assert v["pairs"] == [] and "mean_snr_db" not in v


def test_band_energies_put_a_tone_in_its_band():
    bands = H.band_energies_db(_tone(100), 16000)
    assert int(np.argmax(bands)) == 1  # 75-150 Hz
    assert bands[1] - np.delete(bands, 1).max() > 20


def test_low_shelf_lifts_the_low_band_and_keeps_the_rms():
    s = _tone(100) + _tone(1000)
    out = H.low_shelf(s, 16000, 14.0)
    before, after = H.band_energies_db(s, 16000), H.band_energies_db(out, 16000)
    assert (after[1] - after[4]) - (before[1] - before[4]) == pytest.approx(14.0, abs=0.5)
    assert np.sqrt(np.mean(out**2)) == pytest.approx(np.sqrt(np.mean(s**2)), rel=1e-3)


def test_bass_heavy_pair_keeps_the_pairs_noise_and_snr():
    s = H.synthetic_speech(2.0, 16000, seed=4)
    x = s + 0.05 * H.synthetic_chip_noise(2.0, 16000, seed=5)
    s_bass, x_bass = H.bass_heavy_pair(s, x, 16000)
    assert np.allclose(x_bass - s_bass, x - s, atol=1e-6)
    assert H.snr(s_bass, x_bass) == pytest.approx(H.snr(s, x), abs=0.01)


def test_wider_lowest_band_spreads_the_speech_low_band_only():
    s = _tone(100, 4.0) + _tone(2000, 4.0)
    noise = np.zeros_like(s)

    def spread(low_eq_db):
        mixer = H.VoiceMixer([s], noise, 16000, speech_db=(0, 0), eq_db=3.0, low_eq_db=low_eq_db)
        _, target = mixer.frames(2000, torch.Generator().manual_seed(0))
        db = 20 * torch.log10(target + 1e-9)
        return db[:, 6].std().item(), db[:, 128].std().item()  # the bins of 100 Hz and 2 kHz

    (low_narrow, high_narrow), (low_wide, high_wide) = spread(None), spread(20.0)
    assert low_wide > 4 * low_narrow
    assert high_wide == pytest.approx(high_narrow, rel=0.1)


def test_default_eq_draws_are_unchanged_by_the_new_options():
    s = H.synthetic_speech(2.0, 16000, seed=4)
    n = H.synthetic_chip_noise(2.0, 16000, seed=5)
    a = H.VoiceMixer([s], n, 16000).frames(500, torch.Generator().manual_seed(1))
    b = H.VoiceMixer([s], n, 16000, low_eq_db=6.0, tilt_db=0.0).frames(500, torch.Generator().manual_seed(1))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_welch_interval_on_known_numbers():
    diff, low, high = H.welch_interval([1.0, 2.0, 3.0], [0.0, 0.0, 3.0])
    # means 2 and 1, variances 1 and 3: se = sqrt(1/3 + 1) = 1.1547, dof = (4/3)^2 / ((1/3)^2/2 + 1/2) = 3.2,
    # t(0.975, 3.2) = 3.0728, half-width 3.5482
    assert diff == pytest.approx(1.0)
    assert (low, high) == pytest.approx((1.0 - 3.5482, 1.0 + 3.5482), abs=1e-3)


def test_paired_interval_on_known_numbers():
    diff, low, high = H.paired_interval([3.0, 5.0, 4.0, 6.0], [1.0, 2.0, 2.0, 3.0])
    # differences 2, 3, 2, 3: mean 2.5, sd 0.57735, se 0.28868, t(0.975, 3) = 3.18245, half-width 0.91869
    assert diff == pytest.approx(2.5)
    assert (low, high) == pytest.approx((2.5 - 0.91869, 2.5 + 0.91869), abs=1e-4)


def test_band_errors_locate_a_band_the_estimate_removed(tmp_path):
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import band_errors

    s = _tone(100, 2.0) + _tone(2000, 2.0)
    H.write_wav(tmp_path / "test_x_91.wav", s + _tone(5000, 2.0) * 0.1, 16000)
    H.write_wav(tmp_path / "test_s_91.wav", s, 16000)
    H.write_wav(tmp_path / "test_s_91_recons.wav", _tone(100, 2.0), 16000)  # the 2 kHz part removed
    b = band_errors.pair_bands(tmp_path, tmp_path, "91")
    assert int(np.argmax(b["error_db_of_clean"])) == 5  # 1200-2400 Hz
    assert band_errors.pair_bands(tmp_path, tmp_path, "92") is None


def test_local_snr_errors_put_a_left_in_noise_in_the_noise_dominant_bins():
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import band_errors

    s, noise = _tone(500, 2.0), _tone(3000, 2.0) * 0.3
    speech_bins, _, noise_bins = band_errors.local_snr_errors(s, s + noise, s + noise)  # nothing removed
    assert speech_bins["clean_share"] > 0.99 and speech_bins["mean_mask"] == pytest.approx(1.0, abs=0.01)
    assert noise_bins["mean_mask"] == pytest.approx(1.0, abs=0.01) and noise_bins["best_mean_mask"] < 0.05
    assert noise_bins["error_db"] > speech_bins["error_db"] + 20  # the error is the noise left in
