"""scripts/build_dev_pairs.py and hw2/dev_pairs.py: dev pairs rebuilt from source recordings (synthetic stand-ins)."""
import importlib.util

import numpy as np
import pytest
import soundfile as sf
from conftest import ROOT

import helpers as H

_spec = importlib.util.spec_from_file_location("build_dev_pairs", ROOT / "scripts" / "build_dev_pairs.py")
build_dev_pairs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_dev_pairs)


@pytest.fixture()
def training_pair():
    c = H.synthetic_speech(12.0, 16000, seed=1).astype(np.float64)
    return c, c + 0.5 * H.synthetic_chip_noise(12.0, 16000, seed=2)


@pytest.fixture()
def source(tmp_path):
    """A 9 s 'recording' as FLAC, silent (only a faint hiss) around 7 s."""
    rng = np.random.default_rng(0)
    x = H.synthetic_speech(9.0, 16000, seed=3).astype(np.float64) + 0.01 * rng.standard_normal(144_000)
    x[111_000:113_000] = 1e-3 * rng.standard_normal(2000)
    path = tmp_path / "src" / "utt.flac"
    path.parent.mkdir()
    sf.write(path, x, 16000, format="FLAC", subtype="PCM_16")
    return path


def test_the_cut_falls_in_the_quiet_stretch_between_6_and_8_s(source):
    x, _ = sf.read(str(source), dtype="float64")
    assert 111_000 <= H.quiet_cut(x) <= 113_000
    assert H.quiet_cut(x[:100_000]) == 100_000  # shorter than 8 s: kept whole


def test_the_held_out_remainder_continues_the_pairs_clean_speech_at_its_scale(training_pair, source):
    c, d = training_pair
    x, _ = sf.read(str(source), dtype="float64")
    _, clean = H.dev_pair(x, c, d)
    rest = H.held_out_remainder(x, c)
    assert len(clean) + len(rest) == len(x)
    np.testing.assert_allclose(np.concatenate([clean, rest]), x * clean[1000] / x[1000], rtol=1e-9, atol=1e-12)


def test_a_pair_has_the_training_pairs_input_snr_and_speech_level(training_pair, source):
    c, d = training_pair
    x, s = H.dev_pair(sf.read(str(source), dtype="float64")[0], c, d)
    assert H.snr(s, x) == pytest.approx(H.snr(c, d), abs=1e-6)
    assert np.sqrt(np.mean(s**2)) == pytest.approx(np.sqrt(np.mean(c**2)))
    tail = (d - c)[round(0.9 * len(c)):]
    gain = (x - s)[:100] / tail[:100]
    assert np.allclose(gain, gain[0])  # the noise is the held-out tail, scaled


def test_pairs_are_written_as_16_bit_wavs(training_pair, source, tmp_path):
    written = H.build_dev_pairs({"91": (source, H.sha256_of(source))}, *training_pair, tmp_path / "out")
    assert sorted(p.name for p in written) == ["test_s_91.wav", "test_x_91.wav"]
    assert sf.info(str(written[0])).subtype == "PCM_16"


def test_a_wrong_checksum_stops_before_anything_is_written(training_pair, source, tmp_path):
    good = tmp_path / "src" / "good.flac"
    good.write_bytes(source.read_bytes())
    sources = {"91": (good, H.sha256_of(good)), "92": (source, "0" * 64)}
    with pytest.raises(ValueError, match="utt.flac: wrong SHA-256"):
        H.build_dev_pairs(sources, *training_pair, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_script_names_a_missing_source_and_writes_nothing(tmp_path, capsys):
    data = H.write_synthetic_speech_data(tmp_path / "data", train_seconds=12, test_seconds=2)
    before = sorted(p.name for p in data.iterdir())
    code = build_dev_pairs.main(["--source", str(tmp_path / "nowhere"), "--data-dir", str(data), "--pairs", "21"])
    assert code == 2 and "1081-125237-0000.flac: source recording not found" in capsys.readouterr().err
    assert sorted(p.name for p in data.iterdir()) == before


def test_check_mode_compares_to_within_one_16_bit_step(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    sf.write(a, np.array([0, 5, -7], np.int16), 16000, subtype="PCM_16")
    sf.write(b, np.array([1, 5, -8], np.int16), 16000, subtype="PCM_16")
    assert build_dev_pairs.max_step_difference(a, b) == 1
