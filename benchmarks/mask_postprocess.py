"""Can a change to the committed networks' masks at inference alone close the dev-voice gap? (Problems 1-2)

No training: for every dev pair, the tail and test_11, the mask a committed notebook applied is recovered from its
denoised file (M = |STFT(s_hat)| / |X|), changed, and applied to the noisy STFT again with the noisy phase (eq. 1).
Because the recovered mask passes once more through the STFT, the unchanged mask ('none') scores slightly above the
notebook; every variant is compared with that 'none', never with the notebook's figure. Variants:

* `static<T`: a per-frequency floor of 1 (pass the input) where the training noise holds less than T of the
  training mixture's power: the bands "the noise never occupies";
* `ss-input qQ bB` / `ss-train bB`: a spectral-subtraction floor max(0, 1 - B N(f) / |X|^2), with N(f) the Q-th
  percentile over time of the input's own power (a noise estimate from the input) or the training noise's mean power;
* `gamma G`: M**G (G < 1 removes less everywhere); `floor A`: M + A (1 - M) (a global floor).

    python benchmarks/mask_postprocess.py      # writes outputs/speech_ablation/mask_postprocess.json (seconds)
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

NETWORKS = {"DNN": "01_dnn", "CNN": "02_cnn1d"}


def training_noise_spectra(split: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean power per STFT bin of the training noise (x - s) and of the training mixture x (the tail left out,
    `split` from H.split_validation), and the noise's energy per frame."""
    noise = np.abs(H.stft(split["x_train"] - split["s_train"])) ** 2
    return noise.mean(1), (np.abs(H.stft(split["x_train"])) ** 2).mean(1), noise.sum(0)


def mask_variants(X: np.ndarray, noise_power: np.ndarray, noise_share: np.ndarray) -> dict:
    """name -> function of the recovered mask M giving the changed mask."""
    P = np.maximum(np.abs(X) ** 2, 1e-12)
    out = {"none": lambda M: M}
    for t in (0.02, 0.05, 0.1, 0.2):
        out[f"static<{t}"] = lambda M, t=t: np.maximum(M, (noise_share < t)[:, None])
    for q in (10, 20):
        estimate = np.percentile(P, q, axis=1, keepdims=True)
        for b in (2, 4, 8):
            out[f"ss-input q{q} b{b}"] = lambda M, e=estimate, b=b: np.maximum(M, np.clip(1 - b * e / P, 0, 1))
    for b in (1, 2, 4):
        out[f"ss-train b{b}"] = lambda M, b=b: np.maximum(M, np.clip(1 - b * noise_power[:, None] / P, 0, 1))
    for g in (0.8, 0.9, 1.1, 1.25):
        out[f"gamma {g}"] = lambda M, g=g: M**g
    for a in (0.02, 0.05):
        out[f"floor {a}"] = lambda M, a=a: M + a * (1 - np.minimum(M, 1))
    return out


def main() -> int:
    data_dir = H.speech_data_or_error(H.default_data_dir())
    labels = H.dev_voice_labels()
    s, x, sr = H.load_training_pair(data_dir)
    tail = H.split_validation(data_dir, s, x, sr)
    noise_power, mixture_power, noise_frames = training_noise_spectra(tail)
    share = noise_power / np.maximum(mixture_power, 1e-20)
    pairs = {"tail": (tail["s_val"], tail["x_val"], "validation_recons.wav")}
    for p in sorted(labels):
        if p != "train" and (data_dir / f"test_s_{p}.wav").is_file():
            clean, noisy = (H.load_wav(data_dir / f"test_{k}_{p}.wav", sr)[0] for k in ("s", "x"))
            pairs[p] = (clean, noisy, f"test_s_{p}_recons.wav")
    freqs = np.arange(len(share)) * sr / H.N_FFT
    edges = H.BAND_EDGES_HZ
    results = {"command": "python benchmarks/mask_postprocess.py", "bands_hz": list(edges),
               "training_noise_share_db": [round(float(10 * np.log10(noise_power[b].sum() / mixture_power[b].sum())), 2)
                                           for b in ((freqs >= lo) & (freqs < hi) for lo, hi in zip(edges, edges[1:]))],
               "training_noise_frame_energy_db_percentiles": {
                   str(q): round(float(10 * np.log10(np.percentile(noise_frames, q) / noise_frames.mean())), 1)
                   for q in (10, 50, 90, 99)},  # relative to the mean frame: how bursty the noise is
               "networks": {}}
    for net, folder in NETWORKS.items():
        scores: dict[str, dict[str, float]] = {}
        for p, (s_p, x_p, name) in pairs.items():
            denoised = ROOT / "outputs" / folder / name
            if not denoised.is_file():
                continue
            s_hat = H.load_wav(denoised, sr)[0]
            n = min(len(s_p), len(x_p), len(s_hat))
            X = H.stft(x_p[:n])
            M = np.abs(H.stft(s_hat[:n])) / np.maximum(np.abs(X), 1e-9)
            for variant, change in mask_variants(X, noise_power, share).items():
                scores.setdefault(variant, {})[p] = H.snr(s_p[:n], H.reconstruct(X, change(M) * np.abs(X), n))
        results["networks"][net] = {
            v: {"snr_db": d, **{k: H.voice_summary({p: {"snr_db": d[p]} for p in d}, labels).get(k)
                                for k in ("mean_snr_db", "male_mean_snr_db", "worst_snr_db", "worst_pair")}}
            for v, d in scores.items()}
    H.save_json(ROOT / "outputs" / "speech_ablation" / "mask_postprocess.json", results)
    print(mask_postprocess_table(results))
    return 0


def mask_postprocess_table(results: dict) -> str:
    """Markdown: per network and variant, dev mean, male mean, worst voice and the tail, each against 'none'."""
    lines = ["| network | variant | dev mean | male mean | worst (pair) | tail |", "|---|---|---|---|---|---|"]
    for net, variants in results["networks"].items():
        base = variants["none"]
        for name, r in variants.items():
            def cell(value, ref, name=name):
                return f"{value:.2f}" if name == "none" else f"{value:.2f} ({value - ref:+.2f})"
            lines.append(f"| {net} | {name} | {cell(r['mean_snr_db'], base['mean_snr_db'])} | "
                         f"{cell(r['male_mean_snr_db'], base['male_mean_snr_db'])} | "
                         f"{cell(r['worst_snr_db'], base['worst_snr_db'])} ({r['worst_pair']}) | "
                         f"{cell(r['snr_db']['tail'], base['snr_db']['tail'])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
