"""Notebook 01's training step on a CPU: the network's matrix products in float32 against bfloat16, in one run.

    python benchmarks/speech_step_precision.py [--rounds 5] [--steps 60] [--threads 2]

Both arms train notebook 01's network (513 -> 2 x 1,536 SiLU -> 513 mask, `H.MaskDenoiser`) with Adam on the
compressed loss (`H.magnitude_loss(0.7)`) in the notebooks' loop (`H.train_epoch`), batches of 128 from 30,000
random magnitude columns (the step's cost does not depend on the values): float32 throughout, and
`MaskDenoiser(cpu_bf16=True)`, where the body's matrix products run in bfloat16 under autocast while the weights,
the optimiser, the input normalisation, the sigmoid and the loss stay float32. The arms alternate for --rounds
rounds of --steps steps each (after a warm-up); the median milliseconds per step of each arm and their ratio go to
outputs/benchmark/speech_step_precision.json. The machines are shared and noisy: compare the ratio. Whether the
faster arm trains as well is measured by speech_ablation.py (`dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16`,
eight seeds against the default's eight).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import helpers as H  # noqa: E402

OUT = ROOT / "outputs" / "benchmark" / "speech_step_precision.json"


def make_arm(X: torch.Tensor, cpu_bf16: bool) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    """Notebook 01's network inside its mask wrapper, and its Adam optimiser."""
    body = H.fully_connected(1536, 2, activation="silu")
    model = H.MaskDenoiser(body, *H.log_stats(X), cpu_bf16=cpu_bf16)
    return model, torch.optim.Adam(model.parameters(), lr=4e-4)


def ms_per_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor, T: torch.Tensor,
                steps: int, generator: torch.Generator) -> float:
    """Milliseconds per step of the notebooks' loop (H.train_epoch) over `steps` minibatches of 128 columns of X."""
    start = torch.randint(0, len(X) - steps * 128 + 1, (), generator=generator).item()
    rows = slice(start, start + steps * 128)
    begin = time.perf_counter()
    H.train_epoch(model, X[rows], T[rows], H.magnitude_loss(0.7), optimizer, 128, generator)
    return (time.perf_counter() - begin) / steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(30000, 513, generator=generator)
    T = X * torch.rand(30000, 513, generator=generator)
    arms = {"float32": make_arm(X, False), "bfloat16": make_arm(X, True)}
    times: dict[str, list[float]] = {name: [] for name in arms}
    for model, optimizer in arms.values():  # warm-up
        ms_per_step(model, optimizer, X, T, 10, generator)
    for _ in range(args.rounds):
        for name, (model, optimizer) in arms.items():
            times[name].append(ms_per_step(model, optimizer, X, T, args.steps, generator))
    median = {name: statistics.median(values) for name, values in times.items()}
    result = {"command": "python benchmarks/speech_step_precision.py", "threads": args.threads,
              "rounds": args.rounds, "steps_per_round": args.steps, "torch": torch.__version__,
              "ms_per_step": times, "median_ms_per_step": median,
              "bfloat16_speedup": median["float32"] / median["bfloat16"]}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"float32 {median['float32']:.1f} ms, bfloat16 {median['bfloat16']:.1f} ms per step: "
          f"{result['bfloat16_speedup']:.2f} times faster -> {out}")


if __name__ == "__main__":
    main()
