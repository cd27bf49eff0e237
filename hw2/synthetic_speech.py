"""Problems 1-2, a synthetic stand-in for the course's speech files (tests and the offline quick mode)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from hw2.audio import write_wav


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
