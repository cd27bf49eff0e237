"""Problems 1-2, the pipeline notebooks 01 and 02 share (data, training frames, evaluation, outputs and
metrics.json), and new test pairs from any clean recording (scripts/make_test_pair.py)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn as nn

from hw2.audio import (
    COURSE_FILES_FIX,
    HOP_LENGTH,
    bad_files_message,
    load_test_pairs,
    load_training_pair,
    load_wav,
    present_speech_files,
    score_pair,
    snr,
    speech_data_or_error,
    split_validation,
    write_wav,
)
from hw2.common import build_dir, progress, save_json
from hw2.denoiser import denoise
from hw2.dev_voices import voice_summary
from hw2.synthetic_speech import write_synthetic_speech_data
from hw2.voices import VoiceMixer, rate_shifted_noise, shifted_voices


def speech_run_data(data_dir: str | Path, quick: bool) -> dict:
    """Every speech file of the run, read and checked before any training: the training pair split into training and
    validation, and every test pair (test_pairs: load_test_pairs). A bad file stops the run naming each bad file.

    A folder without any speech file: in quick mode a synthetic stand-in (written under build/), else an error naming
    the missing files. A folder with some speech files but not the training pair: an error naming the missing ones,
    in quick mode too. Returns {'data_dir', 'synthetic', 'sr', 's_train', 'x_train', 's_val', 'x_val', 'source',
    'test_pairs'}.
    """
    data_dir = Path(data_dir)
    present = present_speech_files(data_dir)
    synthetic = quick and not present
    if synthetic:
        print("*** QUICK MODE ON A SYNTHETIC STAND-IN: these numbers say nothing about the course data ***")
        data_dir = write_synthetic_speech_data(build_dir() / "synthetic_speech", train_seconds=30)
    elif present:
        shown = ", ".join(present[:4]) + (f" and {len(present) - 4} more" if len(present) > 4 else "")
        speech_data_or_error(data_dir, f"{COURSE_FILES_FIX}. (QUICK = True does not help: its synthetic stand-in "
                                       f"is used only when the folder holds none of the speech files; it holds "
                                       f"{shown}.)")
    else:
        speech_data_or_error(data_dir)
    problems: list[str] = []
    try:
        s, x, sr = load_training_pair(data_dir)
    except (FileNotFoundError, ValueError) as e:
        problems.append(str(e))
        sr = None
    test_pairs = load_test_pairs(data_dir, sr, problems)
    if problems:
        raise ValueError(bad_files_message(data_dir, problems))
    split = split_validation(data_dir, s, x, sr)
    return {"data_dir": data_dir, "synthetic": synthetic, "sr": sr, **split, "test_pairs": test_pairs}


def voice_mixer(run: dict, semitones: tuple[float, ...], speech_db: tuple[float, float], noise_db: tuple[float, float],
                eq_db: float, phase_sensitive: bool, cache_dir: str | Path | None = None,
                noise_eq_db: float = 0.0, speech_hop: int = HOP_LENGTH, noise_hop: int = HOP_LENGTH,
                formant_fraction: float | tuple[float, ...] = 1.0, noise_rates: tuple[float, ...] = (1.0,),
                eq_bands: int = 6, low_eq_db: float | None = None, tilt_db: float = 0.0,
                noise_mix: float = 0.0) -> VoiceMixer:
    """The training frames' source: pitch-shifted copies of the training speech and the training noise x - s
    (played at each speed in `noise_rates`); with `noise_mix` > 0 that share of the mixtures gets a second noise
    frame."""
    fractions = formant_fraction if isinstance(formant_fraction, (tuple, list)) else (formant_fraction,)
    voices = [v for f in fractions for v in shifted_voices(run["s_train"], run["sr"], semitones, cache_dir, f)]
    noise = rate_shifted_noise(run["x_train"] - run["s_train"], run["sr"], noise_rates)
    return VoiceMixer(voices, noise, run["sr"], speech_db, noise_db, eq_db,
                      phase_sensitive=phase_sensitive, noise_eq_db=noise_eq_db, speech_hop=speech_hop,
                      noise_hop=noise_hop, eq_bands=eq_bands, low_eq_db=low_eq_db, tilt_db=tilt_db,
                      noise_mix=noise_mix)


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
                      checkpoint_rule=history["select"], checkpoint_tolerance_db=history.get("tolerance", 0.0),
                      snr_db_per_epoch=history["scores"]["validation"],
                      scores_per_epoch=history["scores"])
    tests = denoise_test_mixtures(model, run["data_dir"], out_dir, sr, device, run.get("test_pairs"))
    metrics = {"validation": validation, "train_loss_per_epoch": history["train_loss"], "tests": tests,
               "voices": voice_summary(tests),
               "n_parameters": sum(p.numel() for p in model.parameters()), "synthetic_data": run["synthetic"],
               "settings": settings, **(extra or {}), "device": str(device), "torch": torch.__version__}
    metrics["wall_time_s"] = time.perf_counter() - start_time
    save_json(Path(out_dir) / "metrics.json", metrics)
    write_wav(Path(out_dir) / "validation_recons.wav", s_val_hat, sr)
    return metrics


def scored_pairs(metrics: dict) -> dict[str, dict]:
    """{label: scores} for the validation pair and every test pair with a clean truth, from metrics.json."""
    pairs = {"validation": metrics["validation"]}
    pairs.update({f"test_{k}": t for k, t in metrics["tests"].items() if t.get("snr_db") is not None})
    return pairs


def denoise_test_mixtures(model: nn.Module, data_dir: str | Path, out_dir: str | Path, sr: int,
                          device: torch.device, pairs: dict[str, dict] | None = None) -> dict:
    """Denoise every test_x_NN.wav into out_dir/test_s_NN_recons.wav; all measures where test_s_NN.wav exists.

    `pairs`: the test pairs as load_test_pairs returns them (read from `data_dir` when None).
    """
    results = {}
    pairs = load_test_pairs(data_dir, sr) if pairs is None else pairs
    for pair_id, pair in progress(pairs.items(), desc="test mixtures"):
        x = pair["x"]
        s_hat = denoise(model, x, device)
        out = write_wav(Path(out_dir) / f"test_s_{pair_id}_recons.wav", s_hat, sr)
        result = {"input": pair["x_path"].name, "output": out.name, "seconds": round(len(x) / sr, 2)}
        if pair["s"] is not None:
            result.update(score_pair(pair["s"], x, s_hat, sr))
        else:
            result.update(snr_db=None, input_snr_db=None)
        results[pair_id] = result
    return results


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
    data_dir = speech_data_or_error(data_dir, "make_test_pair.py takes its noise from the course's training pair: "
                                              "copy those files there (see data/README.md) or pass --data-dir.")
    if not str(pair_id).isalnum():
        raise ValueError(f"--id {pair_id!r}: use letters and digits only, e.g. 21")
    x_path, s_path = data_dir / f"test_x_{pair_id}.wav", data_dir / f"test_s_{pair_id}.wav"
    if not force and (x_path.exists() or s_path.exists()):
        raise FileExistsError(f"{x_path if x_path.exists() else s_path} exists: choose another --id, "
                              f"or pass --force to overwrite it")
    s_train, x_train, sr = load_training_pair(data_dir)
    s, _ = load_wav(clean_path, sr, kind="recording")
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
