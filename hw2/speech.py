"""Problems 1-2: audio I/O, STFT and SNR, the speech training set, the mask denoiser, synthetic speech."""
from __future__ import annotations

import copy
import io
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
    if sr is not None and sr != rate:
        import librosa  # lazy, here and below: it takes seconds to import and tests of other parts skip it

        x, rate = librosa.resample(x, orig_sr=rate, target_sr=sr).astype(np.float32), sr
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def write_wav(path: str | Path, signal: np.ndarray, sr: int) -> Path:
    """Write a mono 16-bit wav atomically (clipped to [-1, 1])."""
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
    source = f"last {holdout:.0%} of the training pair ({(len(s) - cut) / sr:.1f} s; test_s_01.wav not found)"
    return dict(s_train=s[:cut], x_train=x[:cut], s_val=s[cut:], x_val=x[cut:], source=source)


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
    bar = progress(range(1, epochs + 1), desc=desc)
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


def plot_denoiser_history(history: dict, input_snr: float, oracle_snr: float):
    """Training loss and validation SNR per epoch, with the input and oracle SNR as reference lines."""
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
