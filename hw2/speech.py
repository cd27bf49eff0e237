"""Problems 1-2: audio I/O, STFT and SNR, the speech training set, the mask denoiser, synthetic speech."""
from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import soundfile as sf
import torch
import torch.nn as nn
import torch.nn.functional as F

from hw2.common import atomic_write_bytes, progress, train_epoch

# --------------------------------------------------------------------------------------------
# Audio (Problems 1-2)
# --------------------------------------------------------------------------------------------

N_FFT = 1024
HOP_LENGTH = 512
SNR_EPS = 1e-20  # the homework's guard against log(0) and division by zero


def load_wav(path: str | Path, sr: int | None = None) -> tuple[np.ndarray, int]:
    """Read a wav as float32 mono; keep its rate (librosa's sr=None) unless `sr` asks to resample.

    Stereo (or more channels) is mixed down to mono by averaging, as librosa.load does.
    With `sr` given and different from the file's rate, the signal is resampled to `sr`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file. Put the course's wav files in the data folder "
                                f"(see data/README.md) or set DATA_DIR.")
    try:
        x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises LibsndfileError / RuntimeError on foreign files
        raise ValueError(f"{path}: not a readable audio file ({e}). Replace it with the course's wav.") from e
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]
    if len(x) == 0:
        raise ValueError(f"{path}: the file holds no samples. Replace it with a non-empty recording.")
    if not np.isfinite(x).all():
        raise ValueError(f"{path}: {int(np.sum(~np.isfinite(x)))} samples are NaN or infinite. Re-export the "
                         f"recording as 16-bit PCM (or replace it with the course's file).")
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


SPEECH_TRAIN_FILES = ("train_clean_male.wav", "train_dirty_male.wav")


def missing_speech_files(data_dir: str | Path) -> list[str]:
    """Names of the course speech files that `data_dir` lacks."""
    return [f for f in SPEECH_TRAIN_FILES if not (Path(data_dir) / f).is_file()]


def speech_data_or_error(data_dir: str | Path) -> Path:
    """Return `data_dir` if it holds the course speech files, else raise naming each missing one."""
    missing = missing_speech_files(data_dir)
    if missing:
        raise FileNotFoundError(
            f"missing in {data_dir}: {', '.join(missing)}. Copy the course's speech files there "
            f"(see data/README.md) or set DATA_DIR / $HW2_DATA_DIR; or set QUICK = True to run on a "
            f"synthetic stand-in.")
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
# Voice augmentation: pitch-shifted copies of the clean speech, mixed with noise frame by frame
# --------------------------------------------------------------------------------------------


def pitch_shift(s: np.ndarray, sr: int, semitones: float) -> np.ndarray:
    """`s` shifted by `semitones` (pitch and formants together, same duration): librosa's phase vocoder."""
    s = np.asarray(s, dtype=np.float32)
    if semitones == 0:
        return s
    import librosa

    return librosa.effects.pitch_shift(s, sr=sr, n_steps=float(semitones), res_type="soxr_hq").astype(np.float32)


def _cepstral_smooth(log_mag: np.ndarray, lifter: int) -> np.ndarray:
    """Each column of `log_mag` with its cepstrum cut after `lifter` quefrencies."""
    cepstrum = np.fft.irfft(log_mag, axis=0)
    cepstrum[lifter:len(cepstrum) - lifter + 1] = 0
    return np.fft.rfft(cepstrum, axis=0).real


def log_envelope(mag: np.ndarray, lifter: int = 30, iterations: int = 8) -> np.ndarray:
    """Natural-log spectral envelope of each magnitude column, through the harmonic peaks ("true envelope").

    Cepstral smoothing of the log spectrum, repeated on max(log spectrum, envelope) so that the envelope
    rides on the harmonics instead of averaging them with the valleys between them (floor: -60 dB per column).
    """
    log_mag = np.log(np.maximum(mag, 1e-3 * mag.max(axis=0, keepdims=True)) + 1e-30)
    envelope = _cepstral_smooth(log_mag, lifter)
    for _ in range(iterations):
        envelope = _cepstral_smooth(np.maximum(log_mag, envelope), lifter)
    return envelope


def formant_shift(y: np.ndarray, reference: np.ndarray, semitones: float, lifter: int = 30,
                  max_db: float = 20.0) -> np.ndarray:
    """`y` with the spectral envelope of `reference` (same length) moved by `semitones`; y's pitch stays.

    Each STFT column of `y` is multiplied by E_ref(f / q) / E_y(f), q = 2^(semitones/12), where E is the
    cepstrally smoothed envelope (log_envelope), the gain limited to +-`max_db`. With y = pitch_shift(s, k)
    and reference = s, formants move by `semitones` while the pitch moves by k: a vocoder-free way to change
    them separately. The result keeps y's energy.
    """
    import librosa

    hop = N_FFT // 4
    Y = librosa.stft(np.asarray(y, np.float32), n_fft=N_FFT, hop_length=hop)
    R = librosa.stft(np.asarray(reference, np.float32), n_fft=N_FFT, hop_length=hop)
    env_ref, env_y = log_envelope(np.abs(R), lifter), log_envelope(np.abs(Y), lifter)
    pos = np.minimum(np.arange(len(R)) / 2 ** (semitones / 12), len(R) - 1)
    lo = np.floor(pos).astype(int)
    hi, frac = np.minimum(lo + 1, len(R) - 1), (pos - lo)[:, None]
    warped = env_ref[lo] * (1 - frac) + env_ref[hi] * frac
    limit = max_db / 20 * np.log(10)
    gain = np.exp(np.clip(warped - env_y, -limit, limit))
    out = librosa.istft(Y * gain, n_fft=N_FFT, hop_length=hop, length=len(y))
    scale = np.sqrt(np.sum(np.square(y, dtype=np.float64)) / max(np.sum(np.square(out, dtype=np.float64)), 1e-30))
    return (out * scale).astype(np.float32)


def shifted_voices(s: np.ndarray, sr: int, semitones: list[float] | tuple[float, ...],
                   cache_dir: str | Path | None = None, formant_fraction: float = 1.0) -> list[np.ndarray]:
    """One pitch-shifted copy of `s` per entry of `semitones`; cached as .npy in `cache_dir` when given.

    Pitch and formants move together (formant_fraction 1), or the formants move by only that fraction
    of each shift (formant_shift): a voice an octave up with formants a quarter of the way, like many female voices.
    """
    key = hashlib.sha1(np.ascontiguousarray(s, dtype=np.float32).tobytes()).hexdigest()[:12]
    voices = []
    for st in progress(list(semitones), desc="pitch shifts"):
        fmt = "" if formant_fraction == 1 or st == 0 else f"_formants{formant_fraction:g}"
        path = Path(cache_dir) / f"voice_{key}_{sr}_{float(st):+g}st{fmt}.npy" if cache_dir else None
        if path is not None and path.is_file():
            voices.append(np.load(path))
            continue
        shifted = pitch_shift(s, sr, st)
        voices.append(formant_shift(shifted, s, st * formant_fraction) if fmt else shifted)
        if path is not None:
            buf = io.BytesIO()
            np.save(buf, voices[-1])
            atomic_write_bytes(path, buf.getvalue())
    return voices


def eq_basis(n_bands: int, sr: int, n_freq: int = N_FFT // 2 + 1) -> torch.Tensor:
    """(n_bands, n_freq) weights that interpolate band gains (log-spaced 100 Hz..sr/2) linearly over the bins."""
    freqs = np.linspace(0, sr / 2, n_freq)
    centres = np.geomspace(100, sr / 2, n_bands)
    log_f = np.log(np.maximum(freqs, 50.0))
    basis = np.stack([np.interp(log_f, np.log(centres), np.eye(n_bands)[b]) for b in range(n_bands)])
    return torch.as_tensor(basis, dtype=torch.float32)


class VoiceMixer:
    """Fresh training frames every epoch: a random speech frame of a random voice plus a random noise frame.

    The STFT is linear, so the column of a mixture g_s EQ S + g_n N is computed exactly from the columns
    of S and N; and since the network sees one column at a time, any speech frame may be paired with any
    noise frame. Each drawn frame gets a random speech level (`speech_db`), noise gain (`noise_db`) and a
    smooth random EQ of +-`eq_db` over `eq_bands` bands on the speech (+-`low_eq_db` in the lowest band when given:
    a random low shelf, since real voices hold far more or less energy below 200 Hz than the training voice; and a
    random tilt of +-`tilt_db` dB per octave), and optionally one of +-`noise_eq_db`
    over `noise_eq_bands` bands on the noise and, with probability `noise_mix`, a second noise frame added at
    a random gain. The target is the augmented |S|, or with `phase_sensitive`
    |S| cos(angle S - angle X) = Re(S conj(X)) / |X|. The speech and noise columns are taken every
    `speech_hop` / `noise_hop` samples: a hop below the homework's 512 gives more distinct windows to draw from.
    """

    def __init__(self, voices: list[np.ndarray], noise: np.ndarray, sr: int, speech_db: tuple[float, float] = (-6, 6),
                 noise_db: tuple[float, float] = (-3, 9), eq_db: float = 6.0, eq_bands: int = 6,
                 phase_sensitive: bool = False, noise_eq_db: float = 0.0, noise_mix: float = 0.0,
                 noise_eq_bands: int = 6, speech_hop: int = HOP_LENGTH, noise_hop: int = HOP_LENGTH,
                 low_eq_db: float | None = None, tilt_db: float = 0.0):
        self.S = torch.as_tensor(np.concatenate([stft(v, speech_hop) for v in voices], axis=1).T.copy())  # frames x 513
        self.N = torch.as_tensor(stft(noise, noise_hop).T.copy())
        self.speech_db, self.noise_db, self.eq_db = speech_db, noise_db, eq_db
        # the lowest band (0 Hz up to its neighbour's centre) may get its own, wider range: a random low shelf
        self.eq_ranges = None
        if low_eq_db is not None and low_eq_db != eq_db:
            self.eq_ranges = torch.full((eq_bands,), float(eq_db))
            self.eq_ranges[0] = float(low_eq_db)
        self.tilt_db = tilt_db  # random spectral tilt of +-tilt_db dB per octave around 1 kHz
        freqs = np.maximum(np.linspace(0, sr / 2, N_FFT // 2 + 1), 50.0)
        self.octaves = torch.as_tensor(np.log2(freqs / 1000.0), dtype=torch.float32)
        self.noise_eq_db, self.noise_mix = noise_eq_db, noise_mix
        self.noise_basis = eq_basis(noise_eq_bands, sr)
        self.basis = eq_basis(eq_bands, sr)
        self.phase_sensitive = phase_sensitive

    def frames(self, n: int, generator: torch.Generator, chunk: int = 8192) -> tuple[torch.Tensor, torch.Tensor]:
        """`n` (noisy magnitude, target) pairs, each n x 513 float32, drawn with `generator`."""
        inputs, targets = [], []
        for lo in range(0, n, chunk):
            m = min(chunk, n - lo)
            i = torch.randint(len(self.S), (m,), generator=generator)
            j = torch.randint(len(self.N), (m,), generator=generator)
            gain_db = _uniform(m, self.speech_db, generator)[:, None]
            if self.eq_ranges is not None:
                bands = _uniform(m * len(self.basis), (-1.0, 1.0), generator).view(m, -1) * self.eq_ranges
                gain_db = gain_db + bands @ self.basis
            elif self.eq_db:
                bands = _uniform(m * len(self.basis), (-self.eq_db, self.eq_db), generator).view(m, -1)
                gain_db = gain_db + bands @ self.basis
            if self.tilt_db:
                gain_db = gain_db + _uniform(m, (-self.tilt_db, self.tilt_db), generator)[:, None] * self.octaves
            S = self.S[i] * 10 ** (gain_db / 20)
            X = S + self._noise(j, generator) * 10 ** (_uniform(m, self.noise_db, generator)[:, None] / 20)
            mag = X.abs()
            inputs.append(mag)
            targets.append((S * X.conj()).real / mag.clamp_min(1e-12) if self.phase_sensitive else S.abs())
        return torch.cat(inputs), torch.cat(targets)

    def _noise(self, j: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Noise columns `j`, with the optional noise EQ and second-frame mixing (no draws when both are off)."""
        N = self.N[j]
        m = len(j)
        if self.noise_mix:
            k = torch.randint(len(self.N), (m,), generator=generator)
            use = torch.rand(m, generator=generator) < self.noise_mix
            gain = 10 ** (_uniform(m, (-6.0, 0.0), generator) / 20) * use
            N = N + self.N[k] * gain[:, None]
        if self.noise_eq_db:
            bands = _uniform(m * len(self.noise_basis), (-self.noise_eq_db, self.noise_eq_db), generator).view(m, -1)
            N = N * 10 ** (bands @ self.noise_basis / 20)
        return N


def rate_shifted_noise(noise: np.ndarray, sr: int, rates: tuple[float, ...]) -> np.ndarray:
    """`noise` played at each speed in `rates` (frequencies times the rate), concatenated."""
    import librosa

    return np.concatenate([noise if r == 1 else librosa.resample(np.asarray(noise, np.float32), orig_sr=round(sr * r),
                                                                   target_sr=sr, res_type="soxr_hq")
                           for r in rates]).astype(np.float32)


def _uniform(n: int, bounds: tuple[float, float], generator: torch.Generator) -> torch.Tensor:
    """`n` uniform draws in [lo, hi]."""
    lo, hi = bounds
    return lo + (hi - lo) * torch.rand(n, generator=generator)


def voice_augmented_pair(s: np.ndarray, x: np.ndarray, sr: int, semitones: float = 12.0,
                         formant_fraction: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy): the clean speech of a pair shifted by `semitones`, plus the pair's own noise x - s.

    The formants move with the pitch, or by `formant_fraction` of the shift (as shifted_voices makes them).
    """
    s_shift = pitch_shift(s, sr, semitones)
    if formant_fraction != 1:
        s_shift = formant_shift(s_shift, s, semitones * formant_fraction)
    return s_shift, s_shift + (x - s)


def low_shelf(s: np.ndarray, sr: int, gain_db: float, corner_hz: float = 150.0, top_hz: float = 400.0) -> np.ndarray:
    """`s` with `gain_db` added below `corner_hz`, fading (linearly in log frequency) to 0 dB at `top_hz`; RMS kept."""
    import librosa

    S = librosa.stft(np.asarray(s, np.float32), n_fft=N_FFT, hop_length=N_FFT // 4)
    f = np.maximum(np.linspace(0, sr / 2, len(S)), 1.0)
    ramp = np.clip(np.log(top_hz / f) / np.log(top_hz / corner_hz), 0.0, 1.0)
    out = librosa.istft(S * (10 ** (gain_db * ramp / 20))[:, None], n_fft=N_FFT, hop_length=N_FFT // 4, length=len(s))
    scale = np.sqrt(np.sum(np.square(s, dtype=np.float64)) / max(np.sum(np.square(out, dtype=np.float64)), 1e-30))
    return (out * scale).astype(np.float32)


def bass_heavy_pair(s: np.ndarray, x: np.ndarray, sr: int, gain_db: float = 14.0,
                    semitones: float = -2.0) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy): a pair's clean speech made deeper (`semitones`) and bass-heavy (low_shelf), plus its own noise.

    A validation voice like a deep voice recorded close to the microphone (Prof. K's holds -9.9 dB of its energy
    below 150 Hz, the training voice -22.5 dB); the SNR stays the pair's, since the speech keeps its RMS.
    """
    s_deep = low_shelf(pitch_shift(s, sr, semitones), sr, gain_db)
    s_deep = s_deep * np.sqrt(np.sum(np.square(s, dtype=np.float64)) / np.sum(np.square(s_deep, dtype=np.float64)))
    return s_deep.astype(np.float32), (s_deep + (x - s)).astype(np.float32)


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
    except Exception as e:  # e.g. NoUtterancesError on silence, too-short signals
        print(f"PESQ not computed: {type(e).__name__}: {e}")
        return None


def stoi_score(s: np.ndarray, s_hat: np.ndarray, sr: int) -> float | None:
    """Short-time objective intelligibility (0..1); None, with the reason printed, on failure."""
    try:
        from pystoi import stoi
    except ImportError:
        print("STOI not computed: the `pystoi` package is missing (pip install pystoi)")
        return None
    s, s_hat = _same_length(s, s_hat)
    try:
        return float(stoi(s, s_hat, sr, extended=False))
    except Exception as e:
        print(f"STOI not computed: {type(e).__name__}: {e}")
        return None


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


def denoise_test_mixtures(model: nn.Module, data_dir: str | Path, out_dir: str | Path, sr: int,
                          device: torch.device) -> dict:
    """Denoise every test_x_NN.wav into out_dir/test_s_NN_recons.wav; all measures where test_s_NN.wav exists."""
    results = {}
    for pair_id, (x_path, s_path) in progress(find_test_pairs(data_dir).items(), desc="test mixtures"):
        x, _ = load_wav(x_path, sr)
        s_hat = denoise(model, x, device)
        out = write_wav(Path(out_dir) / f"test_s_{pair_id}_recons.wav", s_hat, sr)
        result = {"input": x_path.name, "output": out.name, "seconds": round(len(x) / sr, 2)}
        if s_path is not None:
            result.update(score_pair(load_wav(s_path, sr)[0], x, s_hat, sr))
        else:
            result.update(snr_db=None, input_snr_db=None)
        results[pair_id] = result
    return results


MEASURES = (("snr_db", "SNR (dB)", "{:.2f}"), ("pesq", "PESQ", "{:.2f}"), ("stoi", "STOI", "{:.3f}"),
            ("si_sdr_db", "SI-SDR (dB)", "{:.2f}"))


def _fmt(value: float | None, spec: str) -> str:
    """A number for a table, or a dash for a missing one."""
    return "–" if value is None else spec.format(value)


def scores_table(pairs: dict[str, dict], label: str = "this network") -> str:
    """Markdown: for each pair (name -> score_pair dict) rows noisy input / `label` / oracle, one column per measure."""
    head = "| pair | signal | " + " | ".join(h for _, h, _ in MEASURES) + " |\n|---|---|" + "---|" * len(MEASURES)
    rows = []
    for name, m in pairs.items():
        for prefix, who in (("input_", "noisy input"), ("", f"**{label}**"), ("oracle_", "oracle")):
            rows.append(f"| {name} | {who} | " + " | ".join(_fmt(m.get(prefix + k), f) for k, _, f in MEASURES) + " |")
    return "\n".join([head, *rows])


def comparison_table(runs: dict[str, dict[str, dict]], measures: tuple[str, ...] = ("snr_db", "pesq", "stoi")) -> str:
    """Markdown: one row per (pair, signal) with columns `measures`; runs = {label: {pair: score_pair dict}}."""
    names = {k: h for k, h, _ in MEASURES}
    specs = {k: f for k, _, f in MEASURES}
    head = "| pair | signal | " + " | ".join(names[k] for k in measures) + " |\n|---|---|" + "---|" * len(measures)
    rows = []
    first = next(iter(runs.values()))
    for pair in first:
        rows.append(_row(pair, "noisy input", "input_", first[pair], measures, specs))
        rows += [_row(pair, f"**{label}**", "", run[pair], measures, specs)
                 for label, run in runs.items() if pair in run]
        rows.append(_row(pair, "oracle", "oracle_", first[pair], measures, specs))
    return "\n".join([head, *rows])


def _row(pair: str, who: str, prefix: str, m: dict, measures: tuple[str, ...], specs: dict) -> str:
    """One Markdown row of comparison_table."""
    return f"| {pair} | {who} | " + " | ".join(_fmt(m.get(prefix + k), specs[k]) for k in measures) + " |"


def audio_html(signal: np.ndarray, sr: int, label: str = "", seconds: float | None = None) -> str:
    """An HTML audio player holding `signal` (its first `seconds`) as embedded MP3: small enough for GitHub."""
    clip = np.clip(np.asarray(signal[: int(seconds * sr)] if seconds else signal, dtype=np.float32), -1, 1)
    buf = io.BytesIO()
    sf.write(buf, clip, sr, format="MP3", subtype="MPEG_LAYER_III")
    data = base64.b64encode(buf.getvalue()).decode()
    return f'<p>{label}<br><audio controls src="data:audio/mpeg;base64,{data}"></audio></p>'


def seeds_table(path: str | Path) -> str:
    """Markdown: mean ± sd over seeds of the SNRs at the kept epoch (and the tail at the last), from the seeds JSON."""
    path = Path(path)
    if not path.is_file():
        return f"(no seed study: {path.name} is missing; run benchmarks/speech_ablation.py with --seeds)"
    results = json.loads(path.read_text())
    by_net: dict[str, list[dict]] = {}
    for key, r in results["variants"].items():
        by_net.setdefault(key.split("/")[0], []).append(r)
    rows = ["| network | seeds | tail SNR (dB) | test_12 SNR (dB) | test_11 SNR (dB) | tail, last epoch (dB) |",
            "|---|---|---|---|---|---|"]
    for net, runs in by_net.items():
        kept = [r["rules"][r["recipe"].get("checkpoint", results["default_rule"])] for r in runs]  # the recipe's rule
        columns = [[k[f"{m}_snr_db"] for k in kept] for m in ("tail", "test12", "test11")]
        columns.append([r["rules"]["last"]["tail_snr_db"] for r in runs])
        cells = [f"{np.mean(v):.2f} ± {np.std(v, ddof=1) if len(v) > 1 else 0:.2f}" for v in columns]
        rows.append(f"| {net} | {len(runs)} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def plot_comparison(runs: dict[str, dict[str, dict]], pairs: list[str]):
    """Grouped bars of SNR: noisy input, each network and the oracle on each of `pairs` (runs = {label: pairs})."""
    first = next(iter(runs.values()))
    bars = {"noisy input": [first[p]["input_snr_db"] for p in pairs]}
    bars.update({label: [run[p]["snr_db"] for p in pairs] for label, run in runs.items()})
    bars["oracle"] = [first[p]["oracle_snr_db"] for p in pairs]
    fig, ax = plt.subplots(figsize=(7.5, 3.4), constrained_layout=True)
    width = 0.8 / len(bars)
    for k, (label, values) in enumerate(bars.items()):
        pos = np.arange(len(pairs)) + (k - (len(bars) - 1) / 2) * width
        ax.bar(pos, values, width, label=label)
        for xpos, v in zip(pos, values):
            ax.text(xpos, v + 0.2, f"{v:.1f}", ha="center", fontsize=7)
    ax.set_xticks(np.arange(len(pairs)), pairs)
    ax.set(ylabel="SNR (dB)", title="denoising: noisy input, networks, oracle")
    ax.legend(fontsize=8, ncol=len(bars), loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return fig


def show_jpeg(fig, dpi: int = 90, quality: int = 80):
    """Display a figure inline as JPEG (spectrograms are noise-like: a PNG of one weighs ~300 KB) and close it."""
    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", dpi=dpi, bbox_inches="tight", pil_kwargs={"quality": quality})
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="jpeg"))


def ablation_table(path: str | Path) -> str:
    """Markdown of the ablation JSON written by benchmarks/speech_ablation.py (a note when it is missing)."""
    path = Path(path)
    if not path.is_file():
        return f"(no ablation results: {path.name} is missing; run `python benchmarks/speech_ablation.py`)"
    runs = json.loads(path.read_text())["runs"]
    head = ("| variant | what it changes | epoch kept (rule) | tail SNR | test_12 SNR | test_11 SNR "
            "| test_12, last epoch |\n|---|---|---|---|---|---|---|")
    rows = [f"| {r['name']} | {r['change'].replace('|', chr(92) + '|')} | {r['epoch']} ({r['rule']}) | "
            f"{r['tail_snr_db']:.2f} | "
            f"{r['test12_snr_db']:.2f} | {r['test11_snr_db']:.2f} | {r['test12_last_epoch_snr_db']:.2f} |"
            for r in runs]
    return "\n".join([head, *rows])


# --------------------------------------------------------------------------------------------
# One pipeline for notebooks 01 and 02: data, training frames, evaluation, results, metrics
# --------------------------------------------------------------------------------------------


def speech_run_data(data_dir: str | Path, quick: bool) -> dict:
    """The training pair split into training and validation; quick mode without the course files: a synthetic stand-in.

    Returns {'data_dir', 'synthetic', 'sr', 's_train', 'x_train', 's_val', 'x_val', 'source'}.
    """
    data_dir = Path(data_dir)
    synthetic = bool(missing_speech_files(data_dir))
    if synthetic and quick:
        print("*** QUICK MODE ON A SYNTHETIC STAND-IN: these numbers say nothing about the course data ***")
        data_dir = write_synthetic_speech_data(tempfile.mkdtemp(prefix="speech-"), train_seconds=30)
    s, x, sr = load_training_pair(data_dir)  # raises, naming each missing file, when they are absent
    split = split_validation(data_dir, s, x, sr)
    return {"data_dir": data_dir, "synthetic": synthetic, "sr": sr, **split}


def voice_mixer(run: dict, semitones: tuple[float, ...], speech_db: tuple[float, float], noise_db: tuple[float, float],
                eq_db: float, phase_sensitive: bool, cache_dir: str | Path | None = None,
                noise_eq_db: float = 0.0, speech_hop: int = HOP_LENGTH, noise_hop: int = HOP_LENGTH,
                formant_fraction: float = 1.0, noise_rates: tuple[float, ...] = (1.0,), eq_bands: int = 6,
                low_eq_db: float | None = None, tilt_db: float = 0.0) -> VoiceMixer:
    """The training frames' source: pitch-shifted copies of the training speech and the training noise x - s
    (played at each speed in `noise_rates`)."""
    voices = shifted_voices(run["s_train"], run["sr"], semitones, cache_dir, formant_fraction)
    noise = rate_shifted_noise(run["x_train"] - run["s_train"], run["sr"], noise_rates)
    return VoiceMixer(voices, noise, run["sr"], speech_db, noise_db, eq_db,
                      phase_sensitive=phase_sensitive, noise_eq_db=noise_eq_db, speech_hop=speech_hop,
                      noise_hop=noise_hop, eq_bands=eq_bands, low_eq_db=low_eq_db, tilt_db=tilt_db)


def epoch_frames(mixer: VoiceMixer, n: int, seed: int, device: torch.device) -> Callable[[int], tuple]:
    """A function epoch -> (inputs, targets) on `device`: `n` fresh frames from `mixer` every epoch."""
    generator = torch.Generator().manual_seed(seed + 1000)
    return lambda epoch: tuple(t.to(device) for t in mixer.frames(n, generator))


def snr_evaluator(pairs: dict[str, tuple[np.ndarray, np.ndarray]], device: torch.device) -> Callable:
    """evaluate(model) -> {name: SNR (dB) of the denoised x against s} for each (s, x) in `pairs`."""
    return lambda model: {name: snr(s, denoise(model, x, device)) for name, (s, x) in pairs.items()}


def finish_speech_run(model: nn.Module, run: dict, history: dict, out_dir: Path, device: torch.device,
                      settings: dict, start_time: float, extra: dict | None = None) -> dict:
    """Score the kept network on the validation pair and every test pair, write the outputs and metrics.json."""
    sr = run["sr"]
    s_val_hat = denoise(model, run["x_val"], device)
    validation = {"source": run["source"], **score_pair(run["s_val"], run["x_val"], s_val_hat, sr)}
    validation.update(best_snr_db=validation["snr_db"], best_epoch=history["best_epoch"],
                      checkpoint_rule=history["select"], snr_db_per_epoch=history["scores"]["validation"],
                      scores_per_epoch=history["scores"])
    tests = denoise_test_mixtures(model, run["data_dir"], out_dir, sr, device)
    metrics = {"validation": validation, "train_loss_per_epoch": history["train_loss"], "tests": tests,
               "n_parameters": sum(p.numel() for p in model.parameters()), "synthetic_data": run["synthetic"],
               "settings": settings, **(extra or {}), "device": str(device), "torch": torch.__version__}
    metrics["wall_time_s"] = time.perf_counter() - start_time
    from hw2.common import save_json

    save_json(Path(out_dir) / "metrics.json", metrics)
    write_wav(Path(out_dir) / "validation_recons.wav", s_val_hat, sr)
    return metrics


def scored_pairs(metrics: dict) -> dict[str, dict]:
    """{label: scores} for the validation pair and every test pair with a clean truth, from metrics.json."""
    pairs = {"validation": metrics["validation"]}
    pairs.update({f"test_{k}": t for k, t in metrics["tests"].items() if t.get("snr_db") is not None})
    return pairs


def plot_test_spectrograms(metrics: dict, data_dir: Path, out_dir: Path, sr: int, pair_id: str = "02"):
    """Noisy and denoised spectrograms of test_x_<pair_id>, saved as spectrograms_test_<pair_id>.png."""
    t = metrics["tests"][pair_id]
    noisy, _ = load_wav(Path(data_dir) / t["input"], sr)
    clean, _ = load_wav(Path(out_dir) / t["output"], sr)
    fig = plot_spectrograms({f"noisy {t['input']}": np.abs(stft(noisy)),
                             f"denoised {t['output']}": np.abs(stft(clean))}, sr)
    return fig, noisy, clean


# --------------------------------------------------------------------------------------------
# New test pairs from any clean recording (scripts/make_test_pair.py)
# --------------------------------------------------------------------------------------------


def noise_excerpt(noise: np.ndarray, start: int, n: int) -> np.ndarray:
    """`n` samples of `noise` from `start` on, continued by its time reversal (and so on) past the end."""
    piece = noise[start:]
    if len(piece) == 0:
        raise ValueError(f"the noise starts at sample {start}, past its end ({len(noise)} samples)")
    reps = -(-n // len(piece))
    return np.concatenate([piece if k % 2 == 0 else piece[::-1] for k in range(reps)])[:n]


def mix_at_snr(s: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """s plus `noise` scaled so that the SNR of eq. (2) of the mixture is `snr_db`."""
    p_s, p_n = float(np.sum(np.square(s, dtype=np.float64))), float(np.sum(np.square(noise, dtype=np.float64)))
    if p_s == 0 or p_n == 0:
        raise ValueError("mix_at_snr: the speech or the noise is silent")
    return (s + noise * np.sqrt(p_s / p_n / 10 ** (snr_db / 10))).astype(np.float32)


def make_test_pair_files(clean_path: str | Path, pair_id: str, data_dir: str | Path, snr_db: float = 6.5,
                         noise_start: str | float = "tail", force: bool = False) -> tuple[Path, Path]:
    """Write data_dir/test_x_<id>.wav and test_s_<id>.wav: a clean recording plus the course's chip noise."""
    data_dir = speech_data_or_error(data_dir)
    if not str(pair_id).isalnum():
        raise ValueError(f"--id {pair_id!r}: use letters and digits only, e.g. 21")
    x_path, s_path = data_dir / f"test_x_{pair_id}.wav", data_dir / f"test_s_{pair_id}.wav"
    if not force and (x_path.exists() or s_path.exists()):
        raise FileExistsError(f"{x_path if x_path.exists() else s_path} exists: choose another --id, "
                              f"or pass --force to overwrite it")
    s_train, x_train, sr = load_training_pair(data_dir)
    s, _ = load_wav(clean_path, sr)
    rms = float(np.sqrt(np.mean(np.square(s, dtype=np.float64))))
    if rms < 1e-5:
        raise ValueError(f"{clean_path}: the recording is silent (RMS {rms:.1e}). Record some speech and try again.")
    s = s * float(np.sqrt(np.mean(np.square(s_train, dtype=np.float64)))) / rms
    if noise_start == "tail":
        start = int(round(len(s_train) * 0.9))
    else:
        try:
            start = int(round(float(noise_start) * sr))
        except ValueError:
            raise ValueError(f"--noise-start {noise_start!r}: give seconds (e.g. 50) or 'tail'") from None
        if not 0 <= start < len(s_train):
            raise ValueError(f"--noise-start {noise_start}: the training pair lasts {len(s_train) / sr:.1f} s")
    x = mix_at_snr(s, noise_excerpt(x_train - s_train, start, len(s)), snr_db)
    peak = float(np.max(np.abs(x)))
    if peak > 0.99:  # keep the 16-bit file unclipped; the SNR is unchanged by a common gain
        s, x = s * 0.99 / peak, x * 0.99 / peak
    return write_wav(x_path, x, sr), write_wav(s_path, s, sr)


# --------------------------------------------------------------------------------------------
# Synthetic speech stand-in (tests and the offline quick mode)
# --------------------------------------------------------------------------------------------


def _smooth_random(n: int, points: int, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """A slowly varying random curve of `n` samples between lo and hi."""
    knots = rng.uniform(lo, hi, points)
    return np.interp(np.linspace(0, points - 1, n), np.arange(points), knots)


def synthetic_speech(seconds: float, sr: int = 16000, seed: int = 0) -> np.ndarray:
    """A clean speech-like signal: voiced harmonics under moving formants, syllables, some fricatives."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t_points = max(4, int(seconds * 8))
    f0 = _smooth_random(n, t_points, 95, 150, rng)  # male pitch, Hz
    formants = [_smooth_random(n, t_points, lo, hi, rng) for lo, hi in ((300, 800), (900, 2200), (2300, 3000))]
    phase = 2 * np.pi * np.cumsum(f0) / sr
    voiced = np.zeros(n)
    for k in range(1, int(4000 / 95) + 1):
        fk = k * f0
        gain = sum(np.exp(-0.5 * ((fk - fm) / bw) ** 2) * a
                   for fm, bw, a in zip(formants, (90, 120, 160), (1.0, 0.6, 0.3)))
        gain = gain * (fk < sr / 2 - 200) / np.sqrt(k)
        voiced += gain * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    # Syllables: 3-5 per second, each a smooth bump; occasional pauses.
    envelope = np.zeros(n)
    start = 0
    while start < n:
        length = int(rng.uniform(0.12, 0.3) * sr)
        if rng.random() > 0.15:
            envelope[start:start + length] += np.hanning(length)[: n - start] * rng.uniform(0.5, 1.0)
        start += int(length * rng.uniform(0.9, 1.6))
    # Unvoiced bursts ("s", "t"): high-passed noise between syllables.
    fricative = np.zeros(n)
    for _ in range(int(seconds * 1.5)):
        at, length = rng.integers(0, max(1, n - 3000)), int(rng.uniform(0.04, 0.12) * sr)
        burst = np.diff(rng.standard_normal(length + 1)) * np.hanning(length) * 0.15
        fricative[at:at + length] += burst[: n - at]
    x = voiced * envelope + fricative
    return (0.3 * x / np.max(np.abs(x))).astype(np.float32)


def synthetic_chip_noise(seconds: float, sr: int = 16000, seed: int = 1) -> np.ndarray:
    """Crunchy impulsive noise: clusters of short, decaying broadband clicks, plus a faint hiss."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    noise = 0.002 * rng.standard_normal(n)
    t = 0.0
    while t < seconds:
        t += rng.exponential(0.8)  # a bite every ~0.8 s
        for _ in range(rng.integers(5, 25)):  # its crunches
            at = int((t + rng.uniform(0, 0.5)) * sr)
            length = int(rng.uniform(0.002, 0.015) * sr)
            if at + length >= n:
                continue
            click = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
            noise[at:at + length] += np.diff(click, prepend=0.0) * rng.uniform(0.05, 0.4)
    return noise.astype(np.float32)


def write_synthetic_speech_data(folder: str | Path, train_seconds: float = 60.0, test_seconds: float = 6.0,
                                sr: int = 16000) -> Path:
    """Write a learnable stand-in under the course's file names (plus test_s_NN truths) into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    clips = {"train": (train_seconds, 10, 11), "01": (test_seconds, 20, 21), "02": (test_seconds, 30, 31)}
    for name, (seconds, speech_seed, noise_seed) in clips.items():
        s = synthetic_speech(seconds, sr, speech_seed)
        x = s + synthetic_chip_noise(seconds, sr, noise_seed)
        if name == "train":
            clean, dirty = "train_clean_male", "train_dirty_male"
        else:
            clean, dirty = f"test_s_{name}", f"test_x_{name}"
        write_wav(folder / f"{clean}.wav", s, sr)
        write_wav(folder / f"{dirty}.wav", x, sr)
    return folder


class MaskDenoiser(nn.Module):
    """Wrap a network into a nonnegative magnitude estimator: sigmoid mask x noisy magnitude.

    The body sees standardised log-magnitudes (compressed input) and returns 513 mask logits; the
    sigmoid (the last activation) keeps the mask in [0, 1], so the output |S_hat| = mask * |X| is a
    nonnegative magnitude, as the homework requires.
    """

    def __init__(self, body: nn.Module, log_mean: torch.Tensor, log_std: torch.Tensor, max_mask: float = 1.0):
        super().__init__()
        self.body, self.max_mask = body, max_mask  # max_mask > 1 lets the mask undo destructive interference
        self.register_buffer("log_mean", torch.as_tensor(log_mean, dtype=torch.float32))
        self.register_buffer("log_std", torch.as_tensor(log_std, dtype=torch.float32))

    def forward(self, noisy_mag: torch.Tensor) -> torch.Tensor:
        z = (torch.log(noisy_mag + 1e-4) - self.log_mean) / self.log_std
        return self.max_mask * torch.sigmoid(self.body(z)) * noisy_mag  # x 1.0 is exact: the default is a plain mask


def log_stats(mag_frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-frequency mean and std of log-magnitudes (frames x 513), for MaskDenoiser."""
    logs = torch.log(mag_frames + 1e-4)
    return logs.mean(0), logs.std(0).clamp_min(1e-3)


def fully_connected(hidden: int = 1024, n_hidden: int = 2, dropout: float = 0.0, n_freq: int = 513) -> nn.Sequential:
    """Problem 1's body: 513 -> n_hidden x (Linear, ReLU, Dropout) -> 513 mask logits."""
    layers, width = [], n_freq
    for _ in range(n_hidden):
        layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
        width = hidden
    return nn.Sequential(*layers, nn.Linear(width, n_freq))


class FrequencyCNN(nn.Module):
    """Problem 2's body: [B, 513] -> [B, 1, 513] -> 1D convolutions along frequency (no padding) -> linear -> 513."""

    def __init__(self, channels: int = 16, kernel: int = 9, dropout: float = 0.0, n_freq: int = 513):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(1, channels, kernel, stride=2), nn.ReLU(),
            nn.Conv1d(channels, channels, kernel), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(channels, channels, kernel), nn.ReLU(), nn.MaxPool1d(2),
        )
        flat = self.features(torch.zeros(1, 1, n_freq)).numel()  # computed, not typed
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(flat, n_freq))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(z.unsqueeze(1)))


def layer_shapes(body: nn.Module, n_freq: int = 513) -> list[tuple[str, tuple[int, ...]]]:
    """(layer, output shape) for a batch of 4 spectra pushed through a FrequencyCNN body."""
    z = torch.zeros(4, 1, n_freq)
    rows = [("input [B, 1, 513]", tuple(z.shape))]
    for layer in [*body.features, *body.head]:
        z = layer(z)
        if isinstance(layer, nn.Conv1d):
            name = (f"Conv1d {layer.in_channels}->{layer.out_channels}, D={layer.kernel_size[0]}, "
                    f"stride {layer.stride[0]}, padding {layer.padding[0]}")
        elif isinstance(layer, nn.Linear):
            name = f"Linear {layer.in_features}->{layer.out_features}"
        elif isinstance(layer, nn.MaxPool1d):
            name = f"MaxPool1d {layer.kernel_size}"
        else:
            name = type(layer).__name__
        rows.append((name, tuple(z.shape)))
    return rows


class WeightAverage:
    """Exponential moving average of a model's weights, kept in a copy of the model (`.module`).

    Update n (n = 0, 1, ...) moves the average towards the live weights by 1 - min(decay, (1 + n) / (10 + n)):
    the warm-up lets it forget the random initial weights quickly. Buffers are copied, not averaged.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.module, self.decay, self.updates = copy.deepcopy(model), decay, 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average one step towards `model`'s current weights."""
        self.updates += 1
        weight = 1 - min(self.decay, self.updates / (9 + self.updates))
        for avg, live in zip(self.module.parameters(), model.parameters()):
            avg.lerp_(live, weight)
        for avg, live in zip(self.module.buffers(), model.buffers()):
            avg.copy_(live)


@dataclass
class BestEpoch:
    """The checkpoint kept by fit_denoiser: its selection score, its epoch and its weights."""

    score: float
    epoch: int
    state: dict


def fit_denoiser(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor] | Callable[[int], tuple],
                 evaluate: Callable[[nn.Module], dict[str, float]], epochs: int, batch_size: int, lr: float,
                 generator: torch.Generator, select: str = "select", desc: str = "training",
                 ema: float = 0.0, weight_decay: float = 0.0) -> dict:
    """Adam on MSE to the target, one-cycle learning rate peaking at `lr`; `evaluate` after every epoch.

    `data` is a fixed (inputs, targets) pair or a function epoch -> (inputs, targets) giving fresh
    frames each epoch. `evaluate(model)` returns named scores; the weights of the epoch with the
    highest `select` score (a score's name, "mean" of all scores, or "last": the last epoch) are
    restored at the end. With `ema` > 0 the scored and kept weights are an exponential moving
    average of the trained weights with that decay per step (WeightAverage), not the weights themselves.
    With `weight_decay` > 0 the optimiser is AdamW with that decoupled decay.
    """
    X, Y = data if isinstance(data, tuple) else data(1)
    optimizer = (torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay) if weight_decay
                 else torch.optim.Adam(model.parameters(), lr=lr))
    steps_per_epoch = -(-len(X) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch, pct_start=0.1)
    history = {"train_loss": [], "scores": {}, "select": select}
    best = BestEpoch(-float("inf"), 0, {})
    average = WeightAverage(model, ema) if ema > 0 else None
    scored = average.module if average else model
    bar = progress(range(1, epochs + 1), desc=desc)
    for epoch in bar:
        if epoch > 1 and not isinstance(data, tuple):
            X, Y = data(epoch)
        loss, _ = train_epoch(model, X, Y, F.mse_loss, optimizer, batch_size, generator, scheduler=scheduler,
                              after_step=(lambda: average.update(model)) if average else None)
        scores = evaluate(scored)
        history["train_loss"].append(loss)
        for name, value in scores.items():
            history["scores"].setdefault(name, []).append(value)
        score = epoch if select == "last" else np.mean(list(scores.values())) if select == "mean" else scores[select]
        if score > best.score:
            best = BestEpoch(float(score), epoch, copy.deepcopy(scored.state_dict()))
        bar.set_postfix(refresh=False, loss=f"{loss:.4f}", **{k: f"{v:.2f}" for k, v in scores.items()},
                        best=f"{best.score:.2f}@{best.epoch}")
    model.load_state_dict(best.state)
    history.update(best_score=best.score, best_epoch=best.epoch, ema=ema)
    return history


@torch.inference_mode()
def predict_magnitude(model: nn.Module, noisy_mag: np.ndarray, device: torch.device) -> np.ndarray:
    """Run a denoiser on a (513, frames) noisy magnitude; returns the (513, frames) estimate."""
    model.eval()
    frames = torch.as_tensor(noisy_mag.T, device=device)
    return model(frames).T.cpu().numpy()


def denoise(model: nn.Module, noisy: np.ndarray, device: torch.device) -> np.ndarray:
    """Noisy waveform -> denoised waveform of the same length (STFT, network, eq. (1), inverse STFT)."""
    X = stft(noisy)
    return reconstruct(X, predict_magnitude(model, magnitude(X), device), len(noisy))


def plot_spectrograms(mags: dict[str, np.ndarray], sr: int, title: str = ""):
    """Side-by-side dB spectrograms of the magnitudes in `mags` (label -> (513, frames)) on one scale."""
    top = max(float(m.max()) for m in mags.values())
    fig, axes = plt.subplots(1, len(mags), figsize=(4.2 * len(mags), 3.4), sharey=True, constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, (label, m) in zip(axes, mags.items()):
        db = 20 * np.log10(np.maximum(m, 1e-6) / top)
        extent = (0, m.shape[1] * HOP_LENGTH / sr, 0, sr / 2000)
        im = ax.imshow(db, origin="lower", aspect="auto", extent=extent, vmin=-80, vmax=0, cmap="magma")
        ax.set(title=label, xlabel="time (s)")
    axes[0].set_ylabel("frequency (kHz)")
    fig.colorbar(im, ax=axes, label="dB", shrink=0.9)
    if title:
        fig.suptitle(title)
    return fig


def plot_denoiser_history(history: dict, references: dict[str, float] | None = None):
    """Training loss and every evaluated SNR per epoch; the kept epoch and reference lines (label -> dB) marked."""
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), constrained_layout=True)
    a.plot(epochs, history["train_loss"])
    a.set(xlabel="epoch", ylabel="training MSE", yscale="log", title="training loss")
    for name, values in history["scores"].items():
        b.plot(epochs, values, label=name)
    for (label, value), style in zip((references or {}).items(), (":", "--", "-.", ":")):
        b.axhline(value, ls=style, c="gray", label=f"{label} {value:.1f} dB")
    b.axvline(history["best_epoch"], c="k", alpha=0.3, label=f"kept epoch {history['best_epoch']}")
    b.set(xlabel="epoch", ylabel="SNR (dB)", title="SNR after each epoch")
    b.legend(loc="lower right", fontsize=8)
    return fig
