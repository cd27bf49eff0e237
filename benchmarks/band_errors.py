"""Where each network loses on each dev voice: per-band error of the committed denoised files (Problems 1-2).

For every dev pair with a truth and a denoised file in outputs/01_dnn and outputs/02_cnn1d, per frequency band
(H.BAND_EDGES_HZ): the error's energy (s - s_hat) in dB of the clean signal's total energy, and what the network
took out of the band (denoised / noisy) beside what it should have (clean / noisy).

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
    return {"error_db_of_clean": (H.band_energies_db(s[:n] - s_hat[:n], 16000) - total_db).round(2).tolist(),
            "output_vs_input_db": changes["output_vs_input"].round(2).tolist(),
            "clean_vs_input_db": changes["clean_vs_input"].round(2).tolist()}


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


if __name__ == "__main__":
    sys.exit(main())
