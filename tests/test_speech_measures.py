"""Quality measures beside eq. (2): SI-SDR, wideband PESQ, STOI, and the per-pair score record."""
import numpy as np
import pytest

import helpers as H

SR = 16000


@pytest.fixture(scope="module")
def speech():
    return H.synthetic_speech(3.0, SR, seed=4).astype(np.float64)


def degraded(s, snr_db, seed=0):
    """s plus white noise at `snr_db`."""
    return H.mix_at_snr(s, np.random.default_rng(seed).standard_normal(len(s)), snr_db)


def test_si_sdr_ignores_the_scale_of_the_estimate(speech):
    assert H.si_sdr(speech, 0.3 * speech) > 100


def test_si_sdr_equals_snr_for_orthogonal_noise():
    s = np.sin(np.linspace(0, 400 * np.pi, 32000))
    n = np.cos(np.linspace(0, 400 * np.pi, 32000)) * 0.1
    assert H.si_sdr(s, s + n) == pytest.approx(H.snr(s, s + n), abs=1e-6)


def test_si_sdr_of_silent_reference_is_a_clear_error():
    with pytest.raises(ValueError, match="all zeros"):
        H.si_sdr(np.zeros(100), np.ones(100))


def test_pesq_of_identical_signals_is_near_its_maximum(speech):
    assert H.pesq_wb(speech, speech, SR) > 4.4


def test_pesq_orders_known_degradations(speech):
    assert H.pesq_wb(speech, degraded(speech, 20), SR) > H.pesq_wb(speech, degraded(speech, 0), SR)


def test_pesq_on_silence_is_none_with_the_reason(capsys):
    assert H.pesq_wb(np.zeros(SR * 2), np.zeros(SR * 2), SR) is None
    assert "PESQ not computed" in capsys.readouterr().out


def test_stoi_of_identical_signals_is_one(speech):
    assert H.stoi_score(speech, speech, SR) == pytest.approx(1.0, abs=1e-6)


def test_stoi_orders_known_degradations(speech):
    assert H.stoi_score(speech, degraded(speech, 10), SR) > H.stoi_score(speech, degraded(speech, -10), SR)


def test_score_pair_has_every_measure_for_input_network_and_oracle(speech):
    x = degraded(speech, 5)
    m = H.score_pair(speech, x, x, SR)
    for k in ("snr_db", "pesq", "stoi", "si_sdr_db"):
        assert {k, f"input_{k}", f"oracle_{k}"} <= set(m)
    assert m["snr_db"] == m["input_snr_db"] and m["oracle_snr_db"] > m["input_snr_db"]


def test_mix_at_snr_hits_the_requested_snr(speech):
    assert H.snr(speech, degraded(speech, 6.5)) == pytest.approx(6.5, abs=1e-4)


def test_stoi_of_a_tenth_of_a_second_is_none_with_the_reason(speech, capsys):
    assert H.stoi_score(speech[: SR // 10], degraded(speech, 5)[: SR // 10], SR) is None
    assert "STOI not computed: the signal is too short" in capsys.readouterr().out


def test_pesq_of_a_tenth_of_a_second_is_none_with_the_reason(speech, capsys):
    assert H.pesq_wb(speech[: SR // 10], degraded(speech, 5)[: SR // 10], SR) is None
    assert "PESQ not computed: the signal is too short" in capsys.readouterr().out
