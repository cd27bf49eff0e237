"""The dev voices' test pairs 21-26 rebuilt from their source recordings and the course's noise
(scripts/build_dev_pairs.py; the recipe is written down in data/README.md)."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import soundfile as sf

from hw2.common import atomic_write_bytes

SOURCE_URL = ("https://raw.githubusercontent.com/resemble-ai/Resemblyzer/master/audio_data/"
              "librispeech_train-clean-100/{utterance}.flac")
CUT_FROM, CUT_TO, FRAME, STEP = 96_000, 128_000, 320, 160  # samples at 16 kHz: a quiet point between 6 and 8 s


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def quiet_cut(x: np.ndarray) -> int:
    """Where to cut `x`: the middle of the least-energy 20 ms frame (hop 10 ms) between 6 and 8 s; len(x) if shorter."""
    if len(x) <= CUT_TO:
        return len(x)
    starts = np.arange(CUT_FROM, CUT_TO - FRAME + 1, STEP)
    energy = [float(np.sum(np.square(x[a:a + FRAME]))) for a in starts]
    return int(starts[int(np.argmin(energy))] + STEP)  # argmin keeps the first of equal frames


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(v))))


def _scaled_at_cut(source: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(before, after) the source's quiet cut, both scaled so that the part before has c's RMS."""
    x = np.asarray(source, np.float64)
    cut = quiet_cut(x)
    gain = _rms(c) / _rms(x[:cut])
    return x[:cut] * gain, x[cut:] * gain


def dev_pair(source: np.ndarray, c: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(test_x, test_s) from a 16 kHz source recording and the training pair (c clean, d noisy), all float64.

    The source is cut at a quiet point, scaled to c's RMS, and mixed with the noise of the pair's held-out last
    10% (continued time-reversed) at the training pair's own input SNR.
    """
    clean = _scaled_at_cut(source, c)[0]
    tail = (d - c)[round(0.9 * len(c)):]
    while len(tail) < len(clean):
        tail = np.concatenate([tail, tail[::-1]])
    tail = tail[:len(clean)]
    snr_train = 10 * np.log10(np.sum(c**2) / np.sum((d - c) ** 2))
    gain = np.sqrt(np.sum(clean**2) / (np.sum(tail**2) * 10 ** (snr_train / 10)))
    return clean + gain * tail, clean


def held_out_remainder(source: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The source recording after the pair's cut, scaled as the pair's clean speech: same speaker, other words."""
    return _scaled_at_cut(source, c)[1]


def read_source(path: Path, expected_sha256: str | None) -> np.ndarray:
    """A source recording as float64 mono at 16 kHz, its checksum checked; ValueError naming the file otherwise."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: source recording not found. Put the file there (its public copy: "
                                f"{SOURCE_URL.format(utterance=path.stem)}) or pass --source DIR.")
    if expected_sha256 and sha256_of(path) != expected_sha256:
        raise ValueError(f"{path}: wrong SHA-256 ({sha256_of(path)[:16]}…, expected {expected_sha256[:16]}…): "
                         f"not the recording the pair is made of. Replace it with the original file.")
    try:
        x, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except Exception as e:  # soundfile raises LibsndfileError / RuntimeError on foreign files
        raise ValueError(f"{path}: not a readable audio file ({e}). Replace it with the original recording.") from e
    if rate != 16000 or x.shape[1] != 1 or len(x) == 0:
        raise ValueError(f"{path}: expected 16 kHz mono speech, got {rate} Hz x {x.shape[1]} channels, "
                         f"{len(x)} samples. Replace it with the original recording.")
    return x[:, 0]


def wav_bytes(signal: np.ndarray) -> bytes:
    """16-bit PCM wav at 16 kHz, as bytes."""
    buf = io.BytesIO()
    sf.write(buf, np.asarray(signal, np.float64), 16000, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def build_dev_pairs(sources: dict[str, tuple[Path, str | None]], c: np.ndarray, d: np.ndarray,
                    out_dir: str | Path) -> list[Path]:
    """Write test_x_NN.wav / test_s_NN.wav for each pair NN -> (source file, its SHA-256) into `out_dir`.

    Every source is read and checked, and every pair computed, before the first file is written: bad input
    raises naming the file and writes nothing.
    """
    pairs = {pair: dev_pair(read_source(path, sha), c, d) for pair, (path, sha) in sources.items()}
    encoded = {Path(out_dir) / f"test_{kind}_{pair}.wav": wav_bytes(sig)
               for pair, (x, s) in pairs.items() for kind, sig in (("x", x), ("s", s))}
    return [atomic_write_bytes(path, data) for path, data in encoded.items()]
