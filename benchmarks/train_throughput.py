"""Training throughput of the project's in-memory loop vs. a conventional DataLoader loop, in one run.

    python benchmarks/train_throughput.py [--epochs 2] [--threads N] [--no-memory]

Both loops train the homework's BaselineCNN with Adam for one epoch over 45,000 CIFAR-10 images
(the real ones when data/cifar-10-batches-py is there, else random images of the same shape:
throughput does not depend on pixel values), minibatches of 64:

* ours: the dataset as one channels_last tensor, a randperm per epoch sliced into batches
  (helpers.train_epoch);
* conventional: DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True) over NCHW tensors.

Each is timed over --epochs epochs after a short warm-up; the best epoch counts (the machines are
shared and noisy, so compare the ratio). Then, in a fresh subprocess, the peak resident memory of
notebook 03's augmented run: the data, the 180,000-image augmented tensor and one training epoch
over it. Results go to outputs/benchmark/train_throughput.json (the README quotes them).
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import helpers as H  # noqa: E402

N_IMAGES, BATCH = 45_000, 64


def training_images() -> tuple[np.ndarray, np.ndarray, str]:
    """45,000 uint8 HWC images and labels: CIFAR-10's first 45,000 if on disk, else random."""
    if (H.default_data_dir() / H.CIFAR_FOLDER).is_dir():
        (x, y), _, _ = H.load_cifar10(H.default_data_dir(), download_if_missing=False)
        return x[:N_IMAGES], y[:N_IMAGES], "CIFAR-10"
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (N_IMAGES, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, N_IMAGES), "random images"


def epoch_ours(X: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> float:
    """Seconds for one epoch of the project's loop (channels_last tensor, shuffled index slices)."""
    model = H.BaselineCNN(10).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    H.train_epoch(model, X, y, F.cross_entropy, opt, BATCH, gen)
    return time.perf_counter() - start


def epoch_dataloader(X: torch.Tensor, y: torch.Tensor) -> float:
    """Seconds for one epoch of the textbook loop: DataLoader(TensorDataset(...), batch_size=64, shuffle=True)."""
    from torch.utils.data import DataLoader, TensorDataset

    model = H.BaselineCNN(10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True)
    start = time.perf_counter()
    model.train()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def data_path_only(X: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> tuple[float, float]:
    """Seconds to produce one epoch of batches, no training: (index slices, DataLoader)."""
    from torch.utils.data import DataLoader, TensorDataset

    start = time.perf_counter()
    for idx in H.minibatches(len(X), BATCH, gen, X.device):
        X[idx], y[idx]
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for _ in DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True):
        pass
    return ours, time.perf_counter() - start


def augmented_peak_memory() -> None:
    """(Run in a subprocess.) Print the peak RSS in GiB of notebook 03's augmented set-up plus one epoch."""
    x, y, _ = training_images()
    X, Y = H.augmented_training_set(H.to_unit(x), y)
    assert len(X) == 4 * N_IMAGES
    epoch_ours(X, Y, torch.Generator().manual_seed(0))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)  # KiB -> GiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per loop (best counts)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: PyTorch's choice)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_child:
        augmented_peak_memory()
        return

    x, y, source = training_images()
    X_cl = H.images_to_tensor(H.unit_to_signed(H.to_unit(x)))
    X_nchw = X_cl.contiguous()  # the conventional layout
    Y = torch.as_tensor(y)
    gen = H.seed_everything(0)
    print(f"{N_IMAGES:,} {source}, batch {BATCH}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    epoch_ours(X_cl[:5000], Y[:5000], gen), epoch_dataloader(X_nchw[:5000], Y[:5000])  # warm-up
    ours, conventional = [], []
    for _ in range(args.epochs):  # interleaved, so both see the same machine load
        ours.append(epoch_ours(X_cl, Y, gen))
        conventional.append(epoch_dataloader(X_nchw, Y))
    t_ours, t_conv = min(ours), min(conventional)
    d_ours, d_conv = data_path_only(X_cl, Y, gen)
    result = {
        "command": "python benchmarks/train_throughput.py", "data": source, "device": "cpu",
        "threads": torch.get_num_threads(), "torch": torch.__version__, "n_images": N_IMAGES, "batch_size": BATCH,
        "ours_epoch_s": t_ours, "ours_images_per_s": N_IMAGES / t_ours,
        "dataloader_epoch_s": t_conv, "dataloader_images_per_s": N_IMAGES / t_conv, "speedup": t_conv / t_ours,
        "data_only_ours_s": d_ours, "data_only_dataloader_s": d_conv,
        "epochs_timed": args.epochs, "ours_all_s": ours, "dataloader_all_s": conventional,
    }
    print(f"ours:       {t_ours:6.2f} s/epoch  {N_IMAGES / t_ours:8,.0f} images/s")
    print(f"DataLoader: {t_conv:6.2f} s/epoch  {N_IMAGES / t_conv:8,.0f} images/s")
    print(f"speed-up:   {t_conv / t_ours:.2f}x")
    print(f"data path alone (batches, no training): slices {d_ours:.2f} s, DataLoader {d_conv:.2f} s per epoch")
    if not args.no_memory:
        cmd = [sys.executable, __file__, "--memory-child"] + (["--threads", str(args.threads)] if args.threads else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
        result["augmented_peak_rss_gib"] = float(out[-1])
        print(f"peak memory of notebook 03's augmented set-up + one epoch: {result['augmented_peak_rss_gib']:.2f} GiB")
    H.save_json(ROOT / "outputs" / "benchmark" / "train_throughput.json", result)


if __name__ == "__main__":
    main()
