"""Make a scored test pair from any clean recording: your own voice plus the course's chip noise.

    python scripts/make_test_pair.py CLEAN.wav --id 21 [--snr 6.5] [--noise-start SECONDS|tail]
                                     [--data-dir data] [--force]

The recording (any rate, mono or stereo) is resampled to 16 kHz mono and scaled to the RMS level of
train_clean_male.wav; noise (train_dirty_male.wav - train_clean_male.wav) is taken from
`--noise-start` seconds on, or with `tail` (the default) from the held-out last 10% of the training
pair, which the notebooks never train on; past the end of the file it continues time-reversed. The
noise is scaled so that the mixture has the requested input SNR (eq. 2), and test_x_NN.wav (noisy)
and test_s_NN.wav (clean truth) are written atomically into the data folder, where the notebooks
score them. An existing pair is never overwritten without --force.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clean", type=Path, help="a clean speech recording (wav, flac, ...; any rate)")
    parser.add_argument("--id", required=True, help="the pair's id NN: writes test_x_NN.wav and test_s_NN.wav")
    parser.add_argument("--snr", type=float, default=6.5, help="input SNR of the mixture in dB (default 6.5)")
    parser.add_argument("--noise-start", default="tail",
                        help="where the noise starts in the training pair, in seconds, or 'tail' (default)")
    parser.add_argument("--data-dir", type=Path, default=H.default_data_dir())
    parser.add_argument("--force", action="store_true", help="overwrite an existing pair with this id")
    args = parser.parse_args(argv)
    try:
        paths = H.make_test_pair_files(args.clean, args.id, args.data_dir, args.snr, args.noise_start, args.force)
    except (FileNotFoundError, FileExistsError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
