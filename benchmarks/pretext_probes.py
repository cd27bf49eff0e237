"""Linear probes on a saved pretext network: which layer holds the class information?

    python benchmarks/pretext_probes.py [--checkpoint outputs/04_pretext/pretext_cnn.pt] [--seed 0]

The same measurement as notebook 04's probe section, without retraining anything: a ridge classifier
(penalty by 5-fold cross-validation on the labelled images only) on each hidden layer of the pretext
network, of the same architecture at random initialisation (drawn from --seed; with the pretext run's
seed that is the network's own starting point), and on raw pixels. Trained on the 500 labelled images
(the last 500 of the training batches, as in the notebook), scored on the 10,000 test images.
Results go to outputs/04_pretext/probes.json.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import helpers as H  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="outputs/04_pretext/pretext_cnn.pt")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--labelled", type=int, default=500)
    args = parser.parse_args()
    checkpoint = H.repo_path(args.checkpoint, "outputs/04_pretext/pretext_cnn.pt")
    if not checkpoint.is_file():
        sys.exit(f"{checkpoint}: no pretext checkpoint. Run notebook 04 first, or pass --checkpoint PATH.")
    start = time.perf_counter()
    (x_all, y_all), (x_test, y_test), _ = H.load_cifar10(H.default_data_dir(), download_if_missing=False)
    X_lab = H.images_to_tensor(H.unit_to_signed(H.to_unit(x_all[-args.labelled:])))
    X_test = H.images_to_tensor(H.unit_to_signed(H.to_unit(x_test)))
    Y_lab, Y_test = torch.as_tensor(y_all[-args.labelled:]), torch.as_tensor(y_test)
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    sets = H.probe_feature_sets(state, X_lab, X_test, seed=args.seed)
    results = {name: H.linear_probe(train, Y_lab, test, Y_test) for name, (train, test) in sets.items()}
    where = str(checkpoint.relative_to(ROOT)) if checkpoint.is_relative_to(ROOT) else str(checkpoint)
    H.save_json(ROOT / "outputs" / "04_pretext" / "probes.json",
                {"checkpoint": where, "random_init_seed": args.seed, "n_labelled": args.labelled, "n_test": len(Y_test),
                 "probes": {name: r["test_acc"] for name, r in results.items()}, "details": results,
                 "wall_time_s": time.perf_counter() - start})
    for name, r in results.items():
        print(f"{name:>18}: test accuracy {r['test_acc']:.4f} ({r['n_features']} features, penalty {r['penalty']:g}, "
              f"CV {r['cv_acc']:.3f})")


if __name__ == "__main__":
    main()
