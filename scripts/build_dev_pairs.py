"""Rebuild the dev voices' test pairs 21-26 from their source recordings and the course's training pair.

    python scripts/build_dev_pairs.py --source DIR [--data-dir data] [--out DIR] [--pairs 21,22] [--check DIR]
    python scripts/build_dev_pairs.py --download [--data-dir data]

Each pair is one LibriSpeech utterance (data/dev_voices.csv names it and its SHA-256) cut at a quiet point
between 6 and 8 s, scaled to the training speech's RMS and mixed with the noise of the training pair's
held-out last 10% at the training pair's input SNR (data/README.md gives the exact recipe). The source
recordings come from `--source DIR` (local copies, e.g. the shared data's voices/ folder) or, with
`--download`, from their public copies (checksums checked; needs a network). Nothing is written unless
every source is present, intact and readable. `--check DIR` compares the rebuilt pairs with those in
DIR and fails if any sample differs by more than one 16-bit step.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402


def training_pair(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy) of the course's training pair as float64, as the recipe reads them."""
    H.speech_data_or_error(data_dir)
    c, _ = sf.read(str(data_dir / "train_clean_male.wav"), dtype="float64")
    d, _ = sf.read(str(data_dir / "train_dirty_male.wav"), dtype="float64")
    return c, d


def download(utterances: list[str], folder: Path) -> None:
    """Fetch each utterance's public FLAC into `folder` (checksums are checked when the pairs are built)."""
    for utterance in utterances:
        url = H.SOURCE_URL.format(utterance=utterance)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                H.atomic_write_bytes(folder / f"{utterance}.flac", response.read())
        except OSError as e:
            raise FileNotFoundError(f"{url}: download failed ({e}). Without a network, copy the recordings into a "
                                    f"folder and pass --source DIR.") from e


def max_step_difference(built: Path, reference: Path) -> int:
    """The largest difference between two 16-bit wavs, in 16-bit steps (a length mismatch counts as a failure)."""
    a, _ = sf.read(str(built), dtype="int16")
    b, _ = sf.read(str(reference), dtype="int16")
    if len(a) != len(b):
        return 1 << 16
    return int(np.max(np.abs(a.astype(np.int32) - b.astype(np.int32))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="folder holding the source recordings <utterance>.flac")
    parser.add_argument("--download", action="store_true", help="fetch the source recordings (needs a network)")
    parser.add_argument("--data-dir", type=Path, default=H.default_data_dir(), help="holds the training pair")
    parser.add_argument("--out", type=Path, help="where to write the pairs (default: --data-dir)")
    parser.add_argument("--pairs", help="comma-separated pair ids (default: every pair with a source utterance)")
    parser.add_argument("--check", type=Path, help="compare the rebuilt pairs with the ones in this folder")
    args = parser.parse_args(argv)
    if not args.source and not args.download:
        parser.error("give --source DIR (local copies of the recordings) or --download")
    labels = {p: row for p, row in H.dev_voice_labels().items() if row.get("utterance")}
    chosen = [p.strip() for p in args.pairs.split(",")] if args.pairs else sorted(labels)
    unknown = [p for p in chosen if p not in labels]
    if unknown:
        parser.error(f"no source recording is known for pair(s) {unknown}; choose from {sorted(labels)}")
    try:
        with tempfile.TemporaryDirectory(dir=ROOT / "build" if (ROOT / "build").is_dir() else None) as tmp:
            source = args.source or Path(tmp)
            if args.download:
                download([labels[p]["utterance"] for p in chosen], source)
            c, d = training_pair(args.data_dir)
            sources = {p: (source / f"{labels[p]['utterance']}.flac", labels[p]["sha256"]) for p in chosen}
            out = args.out or args.data_dir
            if args.check:
                out = Path(tmp) / "built"
            written = H.build_dev_pairs(sources, c, d, out)
            if args.check:
                worst = {p.name: max_step_difference(p, args.check / p.name) for p in written}
                for name, steps in worst.items():
                    print(f"{name}: largest difference {steps} step(s) of 16 bits")
                return 0 if max(worst.values()) <= 1 else 1
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
