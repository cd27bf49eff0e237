"""Problems 1-2, audio: wav I/O, the STFT and eq. (1), the SNR of eq. (2), the course's speech files and test
pairs, the oracle, and the quality measures (SI-SDR, wideband PESQ, STOI)."""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

from hw2.common import atomic_write_bytes

N_FFT = 1024
HOP_LENGTH = 512
SNR_EPS = 1e-20  # the homework's guard against log(0) and division by zero


# What to do about a bad wav, by whose file it is: (missing, unreadable or empty, NaN samples).
WAV_FIXES = {
    "course": ("Put the course's wav files in the data folder (see data/README.md) or set DATA_DIR.",
               "Replace it with the course's wav.",
               "Re-export the recording as 16-bit PCM (or replace it with the course's file)."),
    "test pair": ("",
                  "Make the pair again (python scripts/make_test_pair.py YOUR_RECORDING --id NN --force) or move "
                  "its test_x_NN.wav and test_s_NN.wav out of the data folder.",
                  "Re-export it as 16-bit PCM, or move the pair out of the data folder."),
    "recording": ("Check the path to your recording (any wav, flac or ogg file).",
                  "Export your recording again as wav or flac (16-bit PCM) and pass that file.",
                  "Export your recording again as 16-bit PCM wav and pass that file."),
}


def load_wav(path: str | Path, sr: int | None = None, kind: str = "course") -> tuple[np.ndarray, int]:
    """Read a wav as float32 mono; keep its rate (librosa's sr=None) unless `sr` asks to resample.

    Stereo (or more channels) is mixed down to mono by averaging, as librosa.load does.
    With `sr` given and different from the file's rate, the signal is resampled to `sr`.
    A missing, unreadable, empty or non-finite file raises naming it, with the fix for its `kind`
    (a key of WAV_FIXES: a course file, a test pair, the user's own recording).
    """
    path = Path(path)
    missing, unreadable, non_finite = WAV_FIXES[kind]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file. {missing}".rstrip())
    try:
        x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises LibsndfileError / RuntimeError on foreign files
        raise ValueError(f"{path}: not a readable audio file ({e}). {unreadable}") from e
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]
    if len(x) == 0:
        raise ValueError(f"{path}: the file holds no samples. {unreadable}")
    if not np.isfinite(x).all():
        raise ValueError(f"{path}: {int(np.sum(~np.isfinite(x)))} samples are NaN or infinite. {non_finite}")
    if sr is not None and sr != rate:
        import librosa  # lazy, here and below: it takes seconds to import and tests of other parts skip it

        x, rate = librosa.resample(x, orig_sr=rate, target_sr=sr).astype(np.float32), sr
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def write_wav(path: str | Path, signal: np.ndarray, sr: int) -> Path:
    """Write a mono 16-bit wav atomically (clipped to [-1, 1])."""
    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(signal, dtype=np.float32), -1.0, 1.0), sr, format="WAV", subtype="PCM_16")
    return atomic_write_bytes(path, buf.getvalue())


def stft(signal: np.ndarray, hop_length: int = HOP_LENGTH) -> np.ndarray:
    """Complex STFT with the homework's n_fft=1024 and (by default) hop=512: shape (513, frames)."""
    import librosa

    return librosa.stft(np.asarray(signal, dtype=np.float32), n_fft=N_FFT, hop_length=hop_length)


def magnitude(X: np.ndarray) -> np.ndarray:
    """|X| as float32."""
    return np.abs(X).astype(np.float32)


def reconstruct(X_noisy: np.ndarray, S_mag_hat: np.ndarray, length: int) -> np.ndarray:
    """Eq. (1): noisy phase times the estimated magnitude, then the inverse STFT of `length` samples.

    Where |X| = 0 the phase is undefined; those bins take phase 0 (a real, positive unit), so the
    result never holds NaN or inf.
    """
    import librosa

    if X_noisy.shape != S_mag_hat.shape:
        raise ValueError(f"shapes differ: noisy STFT {X_noisy.shape} vs magnitude {S_mag_hat.shape}")
    mag = np.abs(X_noisy)
    phase = np.divide(X_noisy, mag, out=np.ones_like(X_noisy), where=mag > 0)
    return librosa.istft(phase * S_mag_hat, n_fft=N_FFT, hop_length=HOP_LENGTH, length=length)


def snr(s: np.ndarray, s_hat: np.ndarray) -> float:
    """Eq. (2) in dB, guarded by 1e-20; both signals are cut to the shorter length first.

    A reference that is all zeros has no signal power, so the SNR is meaningless: ValueError.
    """
    s = np.asarray(s, dtype=np.float64).ravel()
    s_hat = np.asarray(s_hat, dtype=np.float64).ravel()
    n = min(len(s), len(s_hat))
    s, s_hat = s[:n], s_hat[:n]
    power = np.sum(s**2)
    if n == 0 or power == 0:
        raise ValueError("snr: the reference signal is empty or all zeros, so the SNR is undefined")
    return float(10 * np.log10((power + SNR_EPS) / (np.sum((s - s_hat) ** 2) + SNR_EPS)))


def find_test_pairs(data_dir: str | Path) -> dict[str, tuple[Path, Path | None]]:
    """{'NN': (test_x_NN.wav, test_s_NN.wav or None)} for every test mixture in `data_dir`."""
    pairs = {}
    for x in sorted(Path(data_dir).glob("test_x_*.wav")):
        pair_id = x.stem.removeprefix("test_x_")
        s = x.with_name(f"test_s_{pair_id}.wav")
        pairs[pair_id] = (x, s if s.is_file() else None)
    return pairs


def load_test_pairs(data_dir: str | Path, sr: int | None, problems: list[str] | None = None) -> dict[str, dict]:
    """Every test pair, read and checked: {'NN': {'x_path', 's_path', 'x', 's'}} ('s' None without test_s_NN.wav).

    Each file must be readable, non-empty and finite (load_wav), and a pair's two files must hold the same number
    of samples (at `sr`; None: each file's own rate). A bad file raises ValueError naming every bad file
    and the fix, or, with `problems` given, is appended there and left out.
    """
    pairs, found = {}, [] if problems is None else problems
    for pair_id, (x_path, s_path) in find_test_pairs(data_dir).items():
        try:
            x = load_wav(x_path, sr, kind="test pair")[0]
            s = None if s_path is None else load_wav(s_path, sr, kind="test pair")[0]
        except (FileNotFoundError, ValueError) as e:
            found.append(str(e))
            continue
        if s is not None and len(s) != len(x):
            found.append(f"{x_path}: {len(x)} samples but {s_path.name} has {len(s)}; a pair's noisy mixture and "
                         f"clean truth must be the same recording. {WAV_FIXES['test pair'][1]}")
            continue
        pairs[pair_id] = {"x_path": x_path, "s_path": s_path, "x": x, "s": s}
    if problems is None and found:
        raise ValueError(bad_files_message(data_dir, found))
    return pairs


def bad_files_message(data_dir: str | Path, problems: list[str]) -> str:
    """One error message listing every bad file (each line names the file and the fix)."""
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    return (f"{count} with the data in {data_dir}; nothing was trained or written:\n"
            + "\n".join(f"  - {p}" for p in problems))


SPEECH_TRAIN_FILES = ("train_clean_male.wav", "train_dirty_male.wav")


def missing_speech_files(data_dir: str | Path) -> list[str]:
    """Names of the course speech files that `data_dir` lacks."""
    return [f for f in SPEECH_TRAIN_FILES if not (Path(data_dir) / f).is_file()]


def present_speech_files(data_dir: str | Path) -> list[str]:
    """Names of the speech files in `data_dir`: the training pair's and every test_x_NN / test_s_NN wav."""
    folder = Path(data_dir)
    found = [f for f in SPEECH_TRAIN_FILES if (folder / f).is_file()]
    return found + sorted(p.name for pattern in ("test_x_*.wav", "test_s_*.wav") for p in folder.glob(pattern))


COURSE_FILES_FIX = "Copy the course's speech files there (see data/README.md) or set DATA_DIR / $HW2_DATA_DIR"


def speech_data_or_error(data_dir: str | Path, advice: str | None = None) -> Path:
    """Return `data_dir` if it holds the course speech files, else raise naming each missing one (and `advice`)."""
    missing = missing_speech_files(data_dir)
    if missing:
        advice = advice or f"{COURSE_FILES_FIX}; or set QUICK = True to run on a synthetic stand-in."
        raise FileNotFoundError(f"missing in {data_dir}: {', '.join(missing)}. {advice}")
    return Path(data_dir)


def load_training_pair(data_dir: str | Path) -> tuple[np.ndarray, np.ndarray, int]:
    """(clean, noisy, rate) of the training pair; both at the clean file's rate and of equal length."""
    data_dir = speech_data_or_error(data_dir)
    s, sr = load_wav(data_dir / "train_clean_male.wav")
    x, _ = load_wav(data_dir / "train_dirty_male.wav", sr=sr)
    if len(s) != len(x):
        raise ValueError(f"{data_dir}: train_clean_male.wav has {len(s)} samples but train_dirty_male.wav has "
                         f"{len(x)}; they must be the same recording. Replace them with the course's files.")
    return s, x, sr


def split_validation(data_dir: str | Path, s: np.ndarray, x: np.ndarray, sr: int, holdout: float = 0.1) -> dict:
    """The data contract's validation pair: test_x_01/test_s_01 if both exist, else the training pair's last 10%.

    Returns {'s_train', 'x_train', 's_val', 'x_val', 'source'}; a held-out tail is never trained on.
    """
    xv, sv = Path(data_dir) / "test_x_01.wav", Path(data_dir) / "test_s_01.wav"
    if xv.is_file() and sv.is_file():
        return dict(s_train=s, x_train=x, s_val=load_wav(sv, sr)[0], x_val=load_wav(xv, sr)[0],
                    source="test_x_01.wav / test_s_01.wav")
    cut = int(round(len(s) * (1 - holdout)))
    source = f"last {holdout:.0%} of the training pair ({(len(s) - cut) / sr:.1f} s; test_s_01.wav not found)"
    return dict(s_train=s[:cut], x_train=x[:cut], s_val=s[cut:], x_val=x[cut:], source=source)


def oracle_snr(s: np.ndarray, x: np.ndarray) -> float:
    """SNR of eq. (1) with the true clean magnitude: the bound for any magnitude-only method."""
    return snr(s, oracle_estimate(s, x))


def oracle_estimate(s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Eq. (1) with the true clean magnitude |S| and the noisy phase."""
    return reconstruct(stft(x), np.abs(stft(s)), len(x))


# --------------------------------------------------------------------------------------------
# Quality measures: SNR (eq. 2), SI-SDR, wideband PESQ, STOI
# --------------------------------------------------------------------------------------------


def si_sdr(s: np.ndarray, s_hat: np.ndarray) -> float:
    """Scale-invariant SDR in dB: the SNR of s_hat against its best scaled copy of s."""
    s = np.asarray(s, dtype=np.float64).ravel()
    s_hat = np.asarray(s_hat, dtype=np.float64).ravel()
    n = min(len(s), len(s_hat))
    s, s_hat = s[:n], s_hat[:n]
    if n == 0 or not np.any(s):
        raise ValueError("si_sdr: the reference signal is empty or all zeros, so SI-SDR is undefined")
    target = (s_hat @ s) / (s @ s) * s
    return float(10 * np.log10((target @ target + SNR_EPS) / ((s_hat - target) @ (s_hat - target) + SNR_EPS)))


def pesq_wb(s: np.ndarray, s_hat: np.ndarray, sr: int) -> float | None:
    """Wideband PESQ (ITU-T P.862.2, 16 kHz; other rates are resampled); None, with the reason printed, on failure."""
    try:
        from pesq import pesq
    except ImportError:
        print("PESQ not computed: the `pesq` package is missing (pip install pesq)")
        return None
    s, s_hat = _same_length(s, s_hat)
    if sr != 16000:
        import librosa

        s, s_hat = (librosa.resample(v, orig_sr=sr, target_sr=16000) for v in (s, s_hat))
    try:
        return float(pesq(16000, s, s_hat, "wb"))
    except Exception as e:  # e.g. NoUtterancesError on silence, BufferTooShortError under 0.25 s
        reason = (f"the signal is too short ({len(s) / 16000:.2f} s; PESQ needs at least 0.25 s)"
                  if type(e).__name__ == "BufferTooShortError" else f"{type(e).__name__}: {e}")
        print(f"PESQ not computed: {reason}")
        return None


def stoi_score(s: np.ndarray, s_hat: np.ndarray, sr: int) -> float | None:
    """Short-time objective intelligibility (0..1); None, with the reason printed, on failure.

    pystoi needs 30 frames of 256 samples at 10 kHz (about 0.4 s) of non-silent speech; on less it only warns
    and returns 1e-5, which would read as "unintelligible": that case is None too.
    """
    try:
        from pystoi import stoi
    except ImportError:
        print("STOI not computed: the `pystoi` package is missing (pip install pystoi)")
        return None
    s, s_hat = _same_length(s, s_hat)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = float(stoi(s, s_hat, sr, extended=False))
    except Exception as e:
        print(f"STOI not computed: {type(e).__name__}: {e}")
        return None
    if any("Not enough STFT frames" in str(w.message) for w in caught):
        print(f"STOI not computed: the signal is too short ({len(s) / sr:.2f} s; STOI needs about 0.4 s of "
              f"non-silent speech)")
        return None
    return value


def _same_length(s: np.ndarray, s_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both signals as float64, cut to the shorter length."""
    n = min(len(s), len(s_hat))
    return np.asarray(s[:n], dtype=np.float64), np.asarray(s_hat[:n], dtype=np.float64)


def quality(s: np.ndarray, s_hat: np.ndarray, sr: int) -> dict:
    """{'snr_db', 'pesq', 'stoi', 'si_sdr_db'} of an estimate against the clean truth."""
    return {"snr_db": snr(s, s_hat), "pesq": pesq_wb(s, s_hat, sr), "stoi": stoi_score(s, s_hat, sr),
            "si_sdr_db": si_sdr(s, s_hat)}


def score_pair(s: np.ndarray, x: np.ndarray, s_hat: np.ndarray, sr: int) -> dict:
    """Every measure for the network's estimate, plus `input_` (the noisy mixture) and `oracle_` counterparts."""
    out = quality(s, s_hat, sr)
    out.update({f"input_{k}": v for k, v in quality(s, x, sr).items()})
    out.update({f"oracle_{k}": v for k, v in quality(s, oracle_estimate(s, x), sr).items()})
    return out
