"""Where each network loses on each dev voice: per-band error of the committed denoised files (Problems 1-2).

For every dev pair with a truth and a denoised file in outputs/01_dnn and outputs/02_cnn1d, per frequency band
(H.BAND_EDGES_HZ): the error's energy (s - s_hat) in dB of the clean signal's total energy, and what the network
took out of the band (denoised / noisy) beside what it should have (clean / noisy). Then the same error split by
each time-frequency bin's own SNR |S|^2 / |N|^2 (LOCAL_SNR_CLASSES), beside the best mask in [0, 1] (the
phase-sensitive one, clipped), with the mean mask of each: whether the loss is speech taken out of bins the speech
dominates or noise left in bins the noise dominates (masks averaged over the input's energy).

    python benchmarks/band_errors.py          # writes outputs/speech_ablation/band_errors.json
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

NETWORKS = {"DNN": "01_dnn", "CNN": "02_cnn1d"}
LOCAL_SNR_CLASSES = ((10, None), (0, 10), (None, 0))  # dB, a bin's |S|^2 / |N|^2: [lo, hi)


def pair_bands(data_dir: Path, out_dir: Path, pair: str) -> dict | None:
    """Per-band error share and removal for one pair, or None when a file is missing."""
    files = [data_dir / f"test_x_{pair}.wav", data_dir / f"test_s_{pair}.wav", out_dir / f"test_s_{pair}_recons.wav"]
    if not all(f.is_file() for f in files):
        return None
    x, s, s_hat = (H.load_wav(f, 16000)[0] for f in files)
    n = min(len(s), len(s_hat))
    clean_db = H.band_energies_db(s, 16000)
    total_db = 10 * np.log10(np.sum(10 ** (clean_db / 10)))
    changes = H.band_changes(x[:n], s_hat[:n], 16000, s=s[:n])
    return {"by_local_snr": local_snr_errors(s[:n], x[:n], s_hat[:n]),
            "error_db_of_clean": (H.band_energies_db(s[:n] - s_hat[:n], 16000) - total_db).round(2).tolist(),
            "output_vs_input_db": changes["output_vs_input"].round(2).tolist(),
            "clean_vs_input_db": changes["clean_vs_input"].round(2).tolist()}


def _share_db(error_magnitudes: np.ndarray, total: float) -> float:
    """Energy of these error magnitudes in dB of `total`."""
    return float(np.round(10 * np.log10(max(np.sum(error_magnitudes ** 2) / total, 1e-30)), 2))


def local_snr_errors(s: np.ndarray, x: np.ndarray, s_hat: np.ndarray) -> list[dict]:
    """Per class of bin SNR (LOCAL_SNR_CLASSES): the error energy of the network's STFT and of the best [0, 1] mask's
    in dB of the clean energy, their mean masks (weighted by the input's energy), the share of the clean energy."""
    S, X, S_hat = H.stft(s), H.stft(x), H.stft(s_hat)
    N = X - S
    total = np.sum(np.abs(S) ** 2)
    best = np.clip(np.real(S * np.conj(X)) / np.maximum(np.abs(X) ** 2, 1e-20), 0, 1)
    mask = np.clip(np.abs(S_hat) / np.maximum(np.abs(X), 1e-20), 0, 1)
    local = 10 * np.log10(np.maximum(np.abs(S) ** 2, 1e-30) / np.maximum(np.abs(N) ** 2, 1e-30))
    weight = np.abs(X) ** 2 + 1e-30  # masks averaged over the input's energy: where they matter for the error
    rows = []
    for lo, hi in LOCAL_SNR_CLASSES:
        c = (local >= (lo if lo is not None else -np.inf)) & (local < (hi if hi is not None else np.inf))
        rows.append({"lo_db": lo, "hi_db": hi, "clean_share": float(np.round(np.sum(np.abs(S[c]) ** 2) / total, 4)),
                     "error_db": _share_db(np.abs(S_hat - S)[c], total),
                     "best_mask_error_db": _share_db(np.abs(best * X - S)[c], total),
                     "mean_mask": float(np.round(np.average(mask[c], weights=weight[c]), 3)),
                     "best_mean_mask": float(np.round(np.average(best[c], weights=weight[c]), 3))})
    return rows


def main() -> int:
    data_dir = H.default_data_dir()
    labels = H.dev_voice_labels()
    dev = sorted(p for p, row in labels.items() if row["role"] == "dev")
    results = {"command": "python benchmarks/band_errors.py", "bands_hz": list(H.BAND_EDGES_HZ), "networks": {}}
    for name, folder in NETWORKS.items():
        bands = {p: pair_bands(data_dir, ROOT / "outputs" / folder, p) for p in dev}
        results["networks"][name] = {p: b for p, b in bands.items() if b is not None}
    H.save_json(ROOT / "outputs" / "speech_ablation" / "band_errors.json", results)
    print(band_error_table(results))
    print(local_snr_table(results))
    return 0


def band_error_table(results: dict) -> str:
    """Markdown: per network and pair, the band holding most of the error and its share; then the full rows."""
    edges = results["bands_hz"]
    names = [f"{lo}–{hi}" for lo, hi in zip(edges[:-1], edges[1:])]
    lines = ["| network | pair | " + " | ".join(names) + " | worst band: taken out / should be |",
             "|---|---|" + "---|" * (len(names) + 1)]
    for net, pairs in results["networks"].items():
        for pair, b in pairs.items():
            k = int(np.argmax(b["error_db_of_clean"]))
            lines.append(f"| {net} | {pair} | " + " | ".join(f"{v:.1f}" for v in b["error_db_of_clean"])
                         + f" | {names[k]} Hz: {b['output_vs_input_db'][k]:.1f} / {b['clean_vs_input_db'][k]:.1f} dB |")
    return "\n".join(lines)


def local_snr_table(results: dict) -> str:
    """Markdown: per network and pair, the error (and mean mask) of the network against the best [0, 1] mask, in the
    bins the speech dominates (>= 10 dB) and in those the noise dominates (< 0 dB)."""
    lines = ["| network | pair | speech-dominant bins (>= 10 dB): clean energy | error: network / best mask | "
             "mean mask: network / best | noise-dominant bins (< 0 dB): error: network / best mask | "
             "mean mask: network / best |", "|---|---|---|---|---|---|---|"]
    for net, pairs in results["networks"].items():
        for pair, b in pairs.items():
            if "by_local_snr" not in b:
                continue
            speech, noise = b["by_local_snr"][0], b["by_local_snr"][-1]
            lines.append(f"| {net} | {pair} | {speech['clean_share']:.0%} | {speech['error_db']:.1f} / "
                         f"{speech['best_mask_error_db']:.1f} dB | {speech['mean_mask']:.2f} / "
                         f"{speech['best_mean_mask']:.2f} | {noise['error_db']:.1f} / {noise['best_mask_error_db']:.1f}"
                         f" dB | {noise['mean_mask']:.2f} / {noise['best_mean_mask']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
