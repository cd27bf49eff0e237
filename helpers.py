"""Shared code for the homework-2 notebooks: audio, CIFAR-10, training loops and plotting.

Each notebook imports this module. The functions are plain and short on purpose: read them next
to the notebook that calls them. Sections: files & reproducibility, audio (Problems 1-2),
synthetic speech, CIFAR-10 (Problems 3-4), models, training, plotting.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import shutil
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm import tqdm as _tqdm

REPO_ROOT = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------------
# Files, seeds, devices, progress
# --------------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    """The data folder: $HW2_DATA_DIR when set, else the repository's data/."""
    return Path(os.environ.get("HW2_DATA_DIR") or REPO_ROOT / "data")


def repo_path(value: str | Path | None, default: str | Path) -> Path:
    """A notebook's folder parameter as a path: `default` when None; relative paths resolve from the repository root."""
    path = Path(default if value is None or value == "" else value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


SETTING_TYPES = (int, float, str, bool, tuple, list, Path, type(None))


def notebook_settings(namespace: dict, skip: tuple[str, ...] = ("REPO_URL", "IS_COLAB", "ROOT")) -> dict:
    """The run's settings for metrics.json: every UPPER_CASE name in `namespace` holding a plain value."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in sorted(namespace.items())
            if k.isupper() and k not in skip and isinstance(v, SETTING_TYPES)}


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_json(path: str | Path, obj: dict) -> Path:
    """Write `obj` as indented JSON, atomically (no half-written metrics file)."""
    return atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, (Path, torch.device)):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def tqdm(iterable=None, **kwargs):
    """A text progress bar on stdout: it renders the same live, in a saved notebook and on GitHub."""
    import sys

    kwargs.setdefault("file", sys.stdout)
    kwargs.setdefault("mininterval", 5.0)
    kwargs.setdefault("ncols", 110)
    return _tqdm(iterable, **kwargs)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; return a CPU generator for shuffling."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device() -> torch.device:
    """CUDA if present, else Apple MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


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
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file. Put the course's wav files in the data folder "
                                f"(see data/README.md) or set DATA_DIR.")
    try:
        x, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises LibsndfileError / RuntimeError on foreign files
        raise ValueError(f"{path}: not a readable audio file ({e}). Replace it with the course's wav.") from e
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]
    if sr is not None and sr != rate:
        import librosa

        x, rate = librosa.resample(x, orig_sr=rate, target_sr=sr).astype(np.float32), sr
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def write_wav(path: str | Path, signal: np.ndarray, sr: int) -> Path:
    """Write a mono 16-bit wav atomically (clipped to [-1, 1])."""
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(signal, dtype=np.float32), -1.0, 1.0), sr, format="WAV", subtype="PCM_16")
    return atomic_write_bytes(path, buf.getvalue())


def stft(signal: np.ndarray) -> np.ndarray:
    """Complex STFT with the homework's n_fft=1024, hop=512: shape (513, frames)."""
    import librosa

    return librosa.stft(np.asarray(signal, dtype=np.float32), n_fft=N_FFT, hop_length=HOP_LENGTH)


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
        nn_ = x.stem.removeprefix("test_x_")
        s = x.with_name(f"test_s_{nn_}.wav")
        pairs[nn_] = (x, s if s.is_file() else None)
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
    return dict(s_train=s[:cut], x_train=x[:cut], s_val=s[cut:], x_val=x[cut:],
                source=f"last {holdout:.0%} of the training pair ({(len(s) - cut) / sr:.1f} s; test_s_01.wav not found)")


def training_frames(s: np.ndarray, x: np.ndarray, n_remix: int = 0, gain_db: tuple[float, float] = (-3.0, 9.0),
                    phase_sensitive: bool = True, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(noisy magnitude, target) frames x 513 from the training pair, plus `n_remix` remixed copies.

    A remix adds the pair's own noise (x - s), circularly shifted by a random offset and scaled by a
    random gain in `gain_db`, back onto the clean speech: new mixtures, same speech and noise.
    The target is |S|, or with `phase_sensitive` |S| cos(angle S - angle X): the magnitude that
    minimises the error of eq. (1)'s reconstruction, which keeps the noisy phase.
    """
    rng = np.random.default_rng(seed)
    S = stft(s)
    noise = x - s
    mixtures = [x] + [s + 10 ** (rng.uniform(*gain_db) / 20) * np.roll(noise, rng.integers(len(noise)))
                      for _ in range(n_remix)]
    inputs, targets = [], []
    for mix in mixtures:
        X = stft(mix)
        inputs.append(magnitude(X).T)
        targets.append((np.abs(S) * np.cos(np.angle(S) - np.angle(X)) if phase_sensitive else np.abs(S)).T)
    return torch.as_tensor(np.concatenate(inputs)), torch.as_tensor(np.concatenate(targets).astype(np.float32))


def oracle_snr(s: np.ndarray, x: np.ndarray) -> float:
    """SNR of eq. (1) with the true clean magnitude: the bound for any magnitude-only method."""
    X = stft(x)
    return snr(s, reconstruct(X, np.abs(stft(s)), len(x)))


def denoise_test_mixtures(model: nn.Module, data_dir: str | Path, out_dir: str | Path, sr: int,
                          device: torch.device) -> dict:
    """Denoise every test_x_NN.wav into out_dir/test_s_NN_recons.wav; SNR where test_s_NN.wav exists."""
    results = {}
    for nn_, (x_path, s_path) in find_test_pairs(data_dir).items():
        x, _ = load_wav(x_path, sr)
        s_hat = denoise(model, x, device)
        out = write_wav(Path(out_dir) / f"test_s_{nn_}_recons.wav", s_hat, sr)
        s = load_wav(s_path, sr)[0] if s_path else None
        results[nn_] = {"input": x_path.name, "output": out.name, "seconds": round(len(x) / sr, 2),
                        "snr_db": snr(s, s_hat) if s is not None else None,
                        "input_snr_db": snr(s, x) if s is not None else None}
    return results


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
        gain = sum(np.exp(-0.5 * ((fk - F) / bw) ** 2) * a for F, bw, a in zip(formants, (90, 120, 160), (1.0, 0.6, 0.3)))
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
        clean, dirty = ("train_clean_male", "train_dirty_male") if name == "train" else (f"test_s_{name}", f"test_x_{name}")
        write_wav(folder / f"{clean}.wav", s, sr)
        write_wav(folder / f"{dirty}.wav", x, sr)
    return folder


# --------------------------------------------------------------------------------------------
# CIFAR-10 (Problems 3-4)
# --------------------------------------------------------------------------------------------

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def md5sum(path: str | Path) -> str:
    """Hex MD5 of a file, read in 1 MiB chunks."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, dest: str | Path, md5: str | None = None) -> Path:
    """Download `url` to `dest` with a progress bar; check the MD5 before the file gets its real name."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        with urllib.request.urlopen(url, timeout=60) as r, open(tmp, "wb") as f:
            total = int(r.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {dest.name}") as bar:
                for chunk in iter(lambda: r.read(1 << 20), b""):
                    f.write(chunk)
                    bar.update(len(chunk))
        if md5 is not None and (got := md5sum(tmp)) != md5:
            raise ValueError(f"{url}: MD5 {got} does not match the expected {md5}; the download is corrupt "
                             f"or not the official archive. Nothing was kept; try again.")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def safe_extract(archive: str | Path, dest: str | Path) -> None:
    """Extract a tar archive refusing any member that would land outside `dest` (or is a device/link out)."""
    dest = Path(dest).resolve()
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            target = (dest / m.name).resolve()
            if not target.is_relative_to(dest) or m.issym() or m.islnk() or m.isdev():
                raise ValueError(f"{archive}: unsafe member {m.name!r} (outside the target folder or a link); "
                                 f"refusing to extract. Download the official archive again.")
        tar.extractall(dest, filter="data")


def fetch_cifar10(data_dir: str | Path, url: str = CIFAR_URL, md5: str = CIFAR_MD5) -> Path:
    """Make sure `data_dir/cifar-10-batches-py` exists, downloading and extracting it if needed."""
    data_dir = Path(data_dir)
    folder = data_dir / CIFAR_FOLDER
    if folder.is_dir():
        return folder
    archive = data_dir / "cifar-10-python.tar.gz"
    try:
        if not archive.is_file() or md5sum(archive) != md5:
            download(url, archive, md5)
    except OSError as e:  # URLError is an OSError: offline
        raise FileNotFoundError(
            f"{folder} is missing and the download failed ({e}). Download {url} (the 'CIFAR-10 python "
            f"version'), extract it so that {folder}/data_batch_1 exists, or set QUICK = True to run on a "
            f"synthetic stand-in.") from e
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".cifar-extract-"))
    try:
        safe_extract(archive, staging)
        if not (staging / CIFAR_FOLDER).is_dir():
            raise ValueError(f"{archive}: holds no {CIFAR_FOLDER}/ folder; it is not the CIFAR-10 python version")
        os.replace(staging / CIFAR_FOLDER, folder)  # appears complete or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch -> (uint8 N x 32 x 32 x 3 images, int64 labels), validated."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing. Re-download the CIFAR-10 python version (delete the folder "
                                f"and run again) or restore the file.")
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
        data, labels = d[b"data"], np.asarray(d[b"labels"], dtype=np.int64)
    except Exception as e:
        raise ValueError(f"{path}: not a readable CIFAR-10 batch ({type(e).__name__}: {e}); the file is truncated "
                         f"or foreign. Delete the {CIFAR_FOLDER} folder and download it again.") from e
    data = np.asarray(data)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"{path}: expected uint8 data of shape N x 3072 with N labels, got {data.dtype} "
                         f"{data.shape} and {len(labels)} labels. Delete the folder and download it again.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels outside 0-9. Delete the folder and download it again.")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels  # channel-major -> HWC


def load_cifar10(data_dir: str | Path, download_if_missing: bool = True,
                 expected_counts: tuple[int, int] | None = (50_000, 10_000)):
    """CIFAR-10 as ((x_train, y_train), (x_test, y_test), class_names); images uint8 N x 32 x 32 x 3."""
    folder = Path(data_dir) / CIFAR_FOLDER
    if not folder.is_dir():
        if not download_if_missing:
            raise FileNotFoundError(f"{folder}: missing. Download {CIFAR_URL} and extract it into {data_dir}, "
                                    f"or set QUICK = True to run on a synthetic stand-in.")
        fetch_cifar10(data_dir)
    train = [_read_cifar_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    x_train = np.concatenate([b[0] for b in train])
    y_train = np.concatenate([b[1] for b in train])
    x_test, y_test = _read_cifar_batch(folder / "test_batch")
    if expected_counts is not None and (len(x_train), len(x_test)) != tuple(expected_counts):
        raise ValueError(f"{folder}: {len(x_train)} training and {len(x_test)} test images, expected "
                         f"{expected_counts[0]} and {expected_counts[1]}. Delete the folder and download it again.")
    names = list(CIFAR_CLASSES)
    meta = folder / "batches.meta"
    if meta.is_file():
        with open(meta, "rb") as f:
            names = [n.decode() for n in pickle.load(f, encoding="bytes")[b"label_names"]]
    return (x_train, y_train), (x_test, y_test), names


def synthetic_cifar(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A CIFAR-like stand-in: class-dependent coloured shapes and stripes plus noise, uint8 N x 32 x 32 x 3."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    palette = np.array([[220, 60, 60], [60, 200, 60], [60, 80, 220], [220, 200, 50], [200, 60, 200],
                        [60, 200, 200], [240, 140, 40], [140, 90, 40], [160, 160, 160], [90, 40, 140]], np.float32)
    cx, cy = rng.uniform(10, 22, n), rng.uniform(10, 22, n)
    r = rng.uniform(5, 9, n)
    images = np.empty((n, 32, 32, 3), np.float32)
    for i in range(n):  # generator only: not on any training path
        c = y[i]
        dx, dy = xx - cx[i], yy - cy[i]
        shape = [dx**2 + dy**2 < r[i] ** 2,                     # disc
                 (abs(dx) < r[i]) & (abs(dy) < r[i])][c % 2]    # square
        stripes = np.sin((xx * (c % 3) + yy * (c // 3 % 3)) * 0.8) > 0  # class texture
        colour = 0.5 * palette[c] + 0.5 * rng.uniform(40, 240, 3)  # class colour, blurred by a random one
        background = rng.uniform(20, 160, 3)
        img = np.where(shape[..., None], colour, background)
        img = img * (0.75 + 0.25 * stripes[..., None])
        images[i] = img
    images += rng.normal(0, 30, images.shape)
    return np.clip(images, 0, 255).astype(np.uint8), y


# Pixel scaling and the homework's image transforms (arrays or tensors shaped N x 32 x 32 x 3).

def to_unit(x_uint8):
    """[0, 255] integers -> [0, 1] float32."""
    return x_uint8.astype(np.float32) / 255.0 if isinstance(x_uint8, np.ndarray) else x_uint8.float() / 255.0


def unit_to_signed(x):
    """[0, 1] -> [-1, 1]."""
    return x * 2.0 - 1.0


def signed_to_unit(x):
    """[-1, 1] -> [0, 1]."""
    return (x + 1.0) / 2.0


def brighten(x):
    """Augmented dataset #1: every pixel x1.1, clipped at 1 (inputs in [0, 1])."""
    return np.minimum(1.1 * x, 1.0) if isinstance(x, np.ndarray) else torch.clamp(1.1 * x, max=1.0)


def darken(x):
    """Augmented dataset #2: every pixel x0.9 (inputs in [0, 1])."""
    return 0.9 * x


def mirror(x):
    """Augmented dataset #3: left-right mirror of N x H x W x C images (not upside down)."""
    return x[:, :, ::-1] if isinstance(x, np.ndarray) else torch.flip(x, dims=[2])


def flip_upside_down(x):
    """Pretext class 1: images turned upside down (rows reversed) for N x H x W x C."""
    return x[:, ::-1] if isinstance(x, np.ndarray) else torch.flip(x, dims=[1])


def rotate_ccw(x):
    """Pretext class 2: images rotated 90 degrees counter-clockwise, for N x H x W x C."""
    return np.rot90(x, 1, axes=(1, 2)) if isinstance(x, np.ndarray) else torch.rot90(x, 1, dims=(1, 2))


def stacked_views(x_unit: np.ndarray, transforms: list[Callable], chunk: int = 5000) -> torch.Tensor:
    """Each transform applied to [0,1] HWC images, stacked in order as one [-1,1] channels_last tensor.

    Filled chunk by chunk into one preallocated tensor, so memory peaks at the result plus a few
    thousand images (not at several full-size temporary copies).
    """
    n = len(x_unit)
    out = torch.empty((len(transforms) * n, 3, 32, 32)).contiguous(memory_format=torch.channels_last)
    for k, transform in enumerate(transforms):
        for i in range(0, n, chunk):
            out[k * n + i:k * n + min(i + chunk, n)] = images_to_tensor(unit_to_signed(transform(x_unit[i:i + chunk])))
    return out


def identity(x):
    """Augmented dataset #4 / pretext class 0: the images as they are."""
    return x


AUGMENTATIONS = {"brightened": brighten, "darkened": darken, "mirrored": mirror, "original": identity}
PRETEXT_CLASSES = {"original": identity, "upside down": flip_upside_down, "rotated 90 CCW": rotate_ccw}


def augmented_training_set(x_unit: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Problem 3's 4x set: brightened, darkened, mirrored, original (in that order), labels shared."""
    return stacked_views(x_unit, list(AUGMENTATIONS.values())), torch.as_tensor(np.tile(y, 4))


def pretext_training_set(x_unit: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Problem 4's 3x set: original (class 0), upside down (1), rotated 90 CCW (2)."""
    labels = np.repeat(np.arange(len(PRETEXT_CLASSES)), len(x_unit))
    return stacked_views(x_unit, list(PRETEXT_CLASSES.values())), torch.as_tensor(labels)


def images_to_tensor(x_hwc) -> torch.Tensor:
    """N x 32 x 32 x 3 float images -> float32 N x 3 x 32 x 32 tensor in channels_last memory."""
    t = torch.as_tensor(np.ascontiguousarray(x_hwc, dtype=np.float32) if isinstance(x_hwc, np.ndarray) else x_hwc)
    return t.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)


def class_counts(y: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """How many labels of each class."""
    return np.bincount(np.asarray(y), minlength=num_classes)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class BaselineCNN(nn.Module):
    """The homework's fixed CNN: conv5x5(10)-pool-conv5x5(10)-pool-fc(20)-fc(classes), ReLU, He init."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(10, 10, kernel_size=5, stride=1)
        self.fc1 = nn.Linear(10 * 5 * 5, 20)
        self.fc2 = nn.Linear(20, num_classes)
        for layer in (self.conv1, self.conv2, self.fc1, self.fc2):
            he_init_(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # conv -> ReLU -> max-pool, computed as conv -> max-pool -> ReLU: ReLU is monotonic, so the two
        # orders give identical values (and gradients), and this one applies ReLU to 4x fewer numbers.
        x = F.relu(F.max_pool2d(self.conv1(x), 2, 2))  # 3x32x32 -> 10x28x28 -> 10x14x14
        x = F.relu(F.max_pool2d(self.conv2(x), 2, 2))  # -> 10x10x10 -> 10x5x5
        x = F.relu(self.fc1(x.flatten(1)))             # 250 -> 20
        return self.fc2(x)                             # logits; softmax lives in the loss


def he_init_(layer: nn.Module) -> nn.Module:
    """He (Kaiming) normal weights for ReLU, zero biases."""
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)
    return layer


def transfer_from_pretext(pretext_state: dict, num_classes: int = 10) -> BaselineCNN:
    """A BaselineCNN with every pretext parameter except the last layer, which is freshly He-initialised."""
    model = BaselineCNN(num_classes)
    body = {k: v for k, v in pretext_state.items() if not k.startswith("fc2.")}
    missing, unexpected = model.load_state_dict(body, strict=False)
    assert set(missing) == {"fc2.weight", "fc2.bias"} and not unexpected, (missing, unexpected)
    return model


def transfer_optimizer(model: BaselineCNN, lr_transferred: float, lr_head: float) -> torch.optim.Adam:
    """Adam with one learning rate for the transferred layers and another for the new last layer."""
    head = list(model.fc2.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("fc2.")]
    return torch.optim.Adam([{"params": body, "lr": lr_transferred, "name": "transferred"},
                             {"params": head, "lr": lr_head, "name": "head"}])


class MaskDenoiser(nn.Module):
    """Wrap a network into a nonnegative magnitude estimator: sigmoid mask x noisy magnitude.

    The body sees standardised log-magnitudes (compressed input) and returns 513 mask logits; the
    sigmoid (the last activation) keeps the mask in [0, 1], so the output |S_hat| = mask * |X| is a
    nonnegative magnitude, as the homework requires.
    """

    def __init__(self, body: nn.Module, log_mean: torch.Tensor, log_std: torch.Tensor):
        super().__init__()
        self.body = body
        self.register_buffer("log_mean", torch.as_tensor(log_mean, dtype=torch.float32))
        self.register_buffer("log_std", torch.as_tensor(log_std, dtype=torch.float32))

    def forward(self, noisy_mag: torch.Tensor) -> torch.Tensor:
        z = (torch.log(noisy_mag + 1e-4) - self.log_mean) / self.log_std
        return torch.sigmoid(self.body(z)) * noisy_mag


def log_stats(mag_frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-frequency mean and std of log-magnitudes (frames x 513), for MaskDenoiser."""
    logs = torch.log(mag_frames + 1e-4)
    return logs.mean(0), logs.std(0).clamp_min(1e-3)


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def minibatches(n: int, batch_size: int, generator: torch.Generator, device: torch.device) -> Iterable[torch.Tensor]:
    """Index tensors of one shuffled epoch: a randperm sliced into batches (the last may be short)."""
    perm = torch.randperm(n, generator=generator).to(device)
    return (perm[i:i + batch_size] for i in range(0, n, batch_size))


def train_epoch(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, loss_fn: Callable, optimizer,
                batch_size: int, generator: torch.Generator, count_correct: bool = False,
                scheduler=None) -> tuple[float, float | None]:
    """One pass over (X, Y) in shuffled minibatches; returns mean loss (and accuracy if asked).

    A `scheduler`, if given, steps after every optimizer step.
    """
    model.train()
    total_loss = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for idx in minibatches(len(X), batch_size, generator, X.device):
        xb, yb = X[idx], Y[idx]
        out = model(xb)
        loss = loss_fn(out, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total_loss += loss.detach() * len(idx)
        if count_correct:
            correct += (out.detach().argmax(1) == yb).sum()
    n = len(X)
    return total_loss.item() / n, (correct.item() / n if count_correct else None)


def fit_denoiser(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, validate: Callable[[nn.Module], float],
                 epochs: int, batch_size: int, lr: float, generator: torch.Generator, desc: str = "training") -> dict:
    """Adam on MSE to the target, one-cycle learning rate peaking at `lr`; validation SNR after every epoch.

    The weights of the best validation epoch are restored at the end.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = -(-len(X) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=epochs * steps_per_epoch, pct_start=0.1)
    history = {"train_loss": [], "val_snr_db": []}
    best = (-float("inf"), 0, copy.deepcopy(model.state_dict()))
    bar = tqdm(range(1, epochs + 1), desc=desc)
    for epoch in bar:
        loss, _ = train_epoch(model, X, Y, F.mse_loss, optimizer, batch_size, generator, scheduler=scheduler)
        val = validate(model)
        history["train_loss"].append(loss)
        history["val_snr_db"].append(val)
        if val > best[0]:
            best = (val, epoch, copy.deepcopy(model.state_dict()))
        bar.set_postfix(refresh=False, loss=f"{loss:.4f}", val_snr=f"{val:.2f} dB", best=f"{best[0]:.2f}@{best[1]}")
    model.load_state_dict(best[2])
    history.update(best_snr_db=best[0], best_epoch=best[1])
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


@torch.inference_mode()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 5000) -> float:
    """Classification accuracy, evaluated in large batches with gradients off."""
    model.eval()
    correct = sum((model(X[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum().item()
                  for i in range(0, len(X), batch_size))
    return correct / len(X)


def fit_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, optimizer, epochs: int, batch_size: int,
                   generator: torch.Generator, eval_sets: dict | None = None, eval_every: int = 1,
                   desc: str = "training") -> dict:
    """Cross-entropy training on in-memory tensors; accuracy on `eval_sets` every `eval_every` epochs.

    Returns {'train_loss', 'train_acc' (per epoch), 'epochs_evaluated', '<name>_acc' per eval set,
    'wall_time_s'}. Shuffling uses `generator`, batches are slices of one randperm per epoch.
    """
    eval_sets = eval_sets or {}
    history = {"train_loss": [], "train_acc": [], "epochs_evaluated": [], **{f"{k}_acc": [] for k in eval_sets}}
    start = time.perf_counter()
    bar = tqdm(range(1, epochs + 1), desc=desc)
    for epoch in bar:
        loss, acc = train_epoch(model, X, y, F.cross_entropy, optimizer, batch_size, generator, count_correct=True)
        history["train_loss"].append(loss)
        history["train_acc"].append(acc)
        if epoch % eval_every == 0 or epoch == epochs:
            history["epochs_evaluated"].append(epoch)
            for name, (Xe, ye) in eval_sets.items():
                history[f"{name}_acc"].append(accuracy(model, Xe, ye))
            bar.set_postfix(loss=f"{loss:.3f}", train=f"{acc:.3f}", refresh=False,
                            **{k: f"{history[f'{k}_acc'][-1]:.3f}" for k in eval_sets})
    history["wall_time_s"] = time.perf_counter() - start
    return history


def best_and_last(values: list[float], epochs: list[int]) -> dict:
    """Best value with its epoch, and the last value with its epoch."""
    i = int(np.argmax(values))
    return {"best": values[i], "best_epoch": epochs[i], "last": values[-1], "last_epoch": epochs[-1]}


# --------------------------------------------------------------------------------------------
# Plotting
# --------------------------------------------------------------------------------------------


def save_fig(name: str, out_dir: str | Path, fig=None, dpi: int = 120) -> Path:
    """Save the current (or given) matplotlib figure as out_dir/name.png, tight, atomically."""
    import io

    import matplotlib.pyplot as plt

    fig = fig or plt.gcf()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(Path(out_dir) / f"{name}.png", buf.getvalue())


def plot_spectrograms(mags: dict[str, np.ndarray], sr: int, title: str = ""):
    """Side-by-side dB spectrograms of the magnitudes in `mags` (label -> (513, frames)) on one scale."""
    import matplotlib.pyplot as plt

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


def plot_denoiser_history(history: dict, input_snr: float, oracle_snr: float):
    """Training loss and validation SNR per epoch, with the input and oracle SNR as reference lines."""
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), constrained_layout=True)
    a.plot(epochs, history["train_loss"])
    a.set(xlabel="epoch", ylabel="training MSE", yscale="log", title="training loss")
    b.plot(epochs, history["val_snr_db"], label="network")
    b.axhline(oracle_snr, ls="--", c="g", label=f"oracle {oracle_snr:.1f} dB")
    b.axhline(input_snr, ls=":", c="r", label=f"noisy input {input_snr:.1f} dB")
    b.axvline(history["best_epoch"], c="k", alpha=0.3, label=f"best epoch {history['best_epoch']}")
    b.set(xlabel="epoch", ylabel="SNR (dB)", title="validation SNR")
    b.legend(loc="lower right")
    return fig


def plot_accuracy_curves(curves: dict[str, tuple[list[int], list[float]]], ylabel: str, title: str = ""):
    """Overlay accuracy curves: label -> (epochs, accuracies)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
    for label, (x, acc) in curves.items():
        ax.plot(x, acc, label=f"{label} (best {max(acc):.3f})")
    ax.set(xlabel="epoch", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def show_images(rows: dict[str, np.ndarray], labels: list[str] | None = None):
    """A grid of [0,1] HWC images: one row per entry of `rows` (label -> images)."""
    import matplotlib.pyplot as plt

    n = len(next(iter(rows.values())))
    fig, axes = plt.subplots(len(rows), n, figsize=(1.5 * n, 1.6 * len(rows)), squeeze=False)
    for r, (name, imgs) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.clip(imgs[c], 0, 1))
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name)
            if r == 0 and labels is not None:
                ax.set_title(labels[c], fontsize=9)
    fig.tight_layout()
    return fig
