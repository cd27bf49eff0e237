"""Shared by every notebook: files, settings and output folders, seeds, devices, progress bars, the minibatch
loop, figures."""
from __future__ import annotations

import io
import json
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from IPython.display import Markdown, display
from tqdm import tqdm

REPO_ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Files, seeds, devices, progress
# --------------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    """The data folder: $HW2_DATA_DIR when set, else the repository's data/."""
    return Path(os.environ.get("HW2_DATA_DIR") or REPO_ROOT / "data")


def repo_path(value: str | Path | None, default: str | Path) -> Path:
    """A notebook's folder parameter as a path: `default` when None; relative paths resolve from the repository root."""
    path = Path(default if value is None or value == "" else value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


IN_PLACE_ENV = "HW2_IN_PLACE"  # "1" only in the documented re-render: scripts/run_notebooks.sh --in-place


def build_dir() -> Path:
    """Scratch space for runs: $HW2_BUILD_DIR when set, else the repository's build/ (git-ignored)."""
    return Path(os.environ.get("HW2_BUILD_DIR") or REPO_ROOT / "build")


def output_dir(value: str | Path | None, name: str) -> Path:
    """Where a notebook writes: `value` (its OUTPUT_DIR) when given; else outputs/<name>, the committed results,
    only in the re-render (`scripts/run_notebooks.sh --in-place` sets $HW2_IN_PLACE=1); else build/outputs/<name>.

    The folder is not created here: the writers create it, after the data has been checked.
    """
    if value is not None and value != "":
        return repo_path(value, ".")
    if os.environ.get(IN_PLACE_ENV) == "1":
        return REPO_ROOT / "outputs" / name
    return build_dir() / "outputs" / name


SETTING_TYPES = (int, float, str, bool, tuple, list, Path, type(None))


def notebook_settings(namespace: dict, skip: tuple[str, ...] = ("REPO_URL", "IS_COLAB", "ROOT")) -> dict:
    """The run's settings for metrics.json: every UPPER_CASE name in `namespace` holding a plain value."""
    return {k: str(v) if isinstance(v, Path) else v for k, v in sorted(namespace.items())
            if k.isupper() and k not in skip and isinstance(v, SETTING_TYPES)}


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write bytes to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_json(path: str | Path, obj: dict) -> Path:
    """Write `obj` as indented JSON, atomically (no half-written metrics file)."""
    return atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, (Path, torch.device)):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def progress(iterable=None, **kwargs):
    """A text progress bar on stdout: it renders the same live, in a saved notebook and on GitHub."""
    kwargs.setdefault("file", sys.stdout)
    kwargs.setdefault("mininterval", 5.0)
    kwargs.setdefault("ncols", 110)
    return tqdm(iterable, **kwargs)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch; return a CPU generator for shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pick_device() -> torch.device:
    """CUDA if present, else Apple MPS, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def minibatches(n: int, batch_size: int, generator: torch.Generator, device: torch.device) -> Iterable[torch.Tensor]:
    """Index tensors of one shuffled epoch: a randperm sliced into batches (the last may be short)."""
    perm = torch.randperm(n, generator=generator).to(device)
    return (perm[i:i + batch_size] for i in range(0, n, batch_size))


def train_epoch(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, loss_fn: Callable, optimizer,
                batch_size: int, generator: torch.Generator, count_correct: bool = False,
                scheduler=None, after_step: Callable[[], None] | None = None) -> tuple[float, float | None]:
    """One pass over (X, Y) in shuffled minibatches; returns mean loss (and accuracy if asked).

    A `scheduler`, if given, steps after every optimizer step; so does `after_step()` (e.g. a weight average).
    """
    model.train()
    total_loss = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for idx in minibatches(len(X), batch_size, generator, X.device):
        xb, yb = X[idx], Y[idx]
        out = model(xb)
        loss = loss_fn(out, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if after_step is not None:
            after_step()
        total_loss += loss.detach() * len(idx)
        if count_correct:
            correct += (out.detach().argmax(1) == yb).sum()
    n = len(X)
    return total_loss.item() / n, (correct.item() / n if count_correct else None)


# --------------------------------------------------------------------------------------------
# Plotting
# --------------------------------------------------------------------------------------------


def save_fig(name: str, out_dir: str | Path, fig=None, dpi: int = 120) -> Path:
    """Save the current (or given) matplotlib figure as out_dir/name.png, tight, atomically."""
    fig = fig or plt.gcf()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(Path(out_dir) / f"{name}.png", buf.getvalue())


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def markdown_table(rows: list[dict]) -> str:
    """Rows (dicts with the same keys) as a Markdown table, one column per key."""
    if not rows:
        return ""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row[k]).replace("|", "\\|") for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def show_table(rows: list[dict]) -> None:
    """Display rows as a Markdown table in the notebook."""
    display(Markdown(markdown_table(rows)))
