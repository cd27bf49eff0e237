"""Problems 3-4: CIFAR-10 loading, the homework's transforms, its CNN and classifier training."""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from hw2.common import progress, train_epoch

# --------------------------------------------------------------------------------------------
# CIFAR-10 (Problems 3-4)
# --------------------------------------------------------------------------------------------

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR_FOLDER = "cifar-10-batches-py"
CIFAR_BATCHES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def md5sum(path: str | Path) -> str:
    """Hex MD5 of a file, read in 1 MiB chunks."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download(url: str, dest: str | Path, md5: str | None = None) -> Path:
    """Download `url` to `dest` with a progress bar; check the MD5 before the file gets its real name."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        with urllib.request.urlopen(url, timeout=60) as r, open(tmp, "wb") as f:
            total = int(r.headers.get("Content-Length") or 0) or None
            with progress(total=total, unit="B", unit_scale=True, desc=f"downloading {dest.name}") as bar:
                for chunk in iter(lambda: r.read(1 << 20), b""):
                    f.write(chunk)
                    bar.update(len(chunk))
        if md5 is not None and (got := md5sum(tmp)) != md5:
            raise ValueError(f"{url}: MD5 {got} does not match the expected {md5}; the download is corrupt "
                             f"or not the official archive. Nothing was kept; try again.")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def safe_extract(archive: str | Path, dest: str | Path) -> None:
    """Extract a tar archive refusing any member that would land outside `dest` (or is a device/link out)."""
    dest = Path(dest).resolve()
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            target = (dest / m.name).resolve()
            if not target.is_relative_to(dest) or m.issym() or m.islnk() or m.isdev():
                raise ValueError(f"{archive}: unsafe member {m.name!r} (outside the target folder or a link); "
                                 f"refusing to extract. Download the official archive again.")
        tar.extractall(dest, filter="data")


def fetch_cifar10(data_dir: str | Path, url: str = CIFAR_URL, md5: str = CIFAR_MD5) -> Path:
    """Make sure `data_dir/cifar-10-batches-py` exists, downloading and extracting it if needed."""
    data_dir = Path(data_dir)
    folder = data_dir / CIFAR_FOLDER
    if folder.is_dir():
        return folder
    archive = data_dir / "cifar-10-python.tar.gz"
    try:
        if not archive.is_file() or md5sum(archive) != md5:
            download(url, archive, md5)
    except OSError as e:  # URLError is an OSError: offline
        raise FileNotFoundError(
            f"{folder} is missing and the download failed ({e}). Download {url} (the 'CIFAR-10 python "
            f"version'), extract it so that {folder}/data_batch_1 exists, or set QUICK = True to run on a "
            f"synthetic stand-in.") from e
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=".cifar-extract-"))
    try:
        safe_extract(archive, staging)
        if not (staging / CIFAR_FOLDER).is_dir():
            raise ValueError(f"{archive}: holds no {CIFAR_FOLDER}/ folder; it is not the CIFAR-10 python version")
        os.replace(staging / CIFAR_FOLDER, folder)  # appears complete or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch -> (uint8 N x 32 x 32 x 3 images, int64 labels), validated."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing. Re-download the CIFAR-10 python version (delete the folder "
                                f"and run again) or restore the file.")
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
        data, labels = d[b"data"], np.asarray(d[b"labels"], dtype=np.int64)
    except Exception as e:
        raise ValueError(f"{path}: not a readable CIFAR-10 batch ({type(e).__name__}: {e}); the file is truncated "
                         f"or foreign. Delete the {CIFAR_FOLDER} folder and download it again.") from e
    data = np.asarray(data)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise ValueError(f"{path}: expected uint8 data of shape N x 3072 with N labels, got {data.dtype} "
                         f"{data.shape} and {len(labels)} labels. Delete the folder and download it again.")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels outside 0-9. Delete the folder and download it again.")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels  # channel-major -> HWC


def load_cifar10(data_dir: str | Path, download_if_missing: bool = True,
                 expected_counts: tuple[int, int] | None = (50_000, 10_000)):
    """CIFAR-10 as ((x_train, y_train), (x_test, y_test), class_names); images uint8 N x 32 x 32 x 3."""
    folder = Path(data_dir) / CIFAR_FOLDER
    if not folder.is_dir():
        if not download_if_missing:
            raise FileNotFoundError(f"{folder}: missing. Download {CIFAR_URL} and extract it into {data_dir}, "
                                    f"or set QUICK = True to run on a synthetic stand-in.")
        fetch_cifar10(data_dir)
    batches, problems = {}, []
    for name in CIFAR_BATCHES:  # every batch is checked before any is used: the error names each bad one
        try:
            batches[name] = _read_cifar_batch(folder / name)
        except (FileNotFoundError, ValueError) as e:
            problems.append((e, str(e)))
    if problems:
        kind = FileNotFoundError if all(isinstance(e, FileNotFoundError) for e, _ in problems) else ValueError
        raise kind("\n".join(message for _, message in problems))
    x_train = np.concatenate([batches[f"data_batch_{i}"][0] for i in range(1, 6)])
    y_train = np.concatenate([batches[f"data_batch_{i}"][1] for i in range(1, 6)])
    x_test, y_test = batches["test_batch"]
    if expected_counts is not None and (len(x_train), len(x_test)) != tuple(expected_counts):
        raise ValueError(f"{folder}: {len(x_train)} training and {len(x_test)} test images, expected "
                         f"{expected_counts[0]} and {expected_counts[1]}. Delete the folder and download it again.")
    names = list(CIFAR_CLASSES)
    meta = folder / "batches.meta"
    if meta.is_file():
        try:
            with open(meta, "rb") as f:
                names = [n.decode() for n in pickle.load(f, encoding="bytes")[b"label_names"]]
        except Exception as e:
            raise ValueError(f"{meta}: not a readable CIFAR-10 batches.meta ({type(e).__name__}: {e}). Delete the "
                             f"{CIFAR_FOLDER} folder and download it again.") from e
    return (x_train, y_train), (x_test, y_test), names


def synthetic_cifar(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A CIFAR-like stand-in: class-dependent coloured shapes and stripes plus noise, uint8 N x 32 x 32 x 3."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    palette = np.array([[220, 60, 60], [60, 200, 60], [60, 80, 220], [220, 200, 50], [200, 60, 200],
                        [60, 200, 200], [240, 140, 40], [140, 90, 40], [160, 160, 160], [90, 40, 140]], np.float32)
    cx, cy = rng.uniform(10, 22, n), rng.uniform(10, 22, n)
    r = rng.uniform(5, 9, n)
    images = np.empty((n, 32, 32, 3), np.float32)
    for i in range(n):  # generator only: not on any training path
        c = y[i]
        dx, dy = xx - cx[i], yy - cy[i]
        shape = [dx**2 + dy**2 < r[i] ** 2,                     # disc
                 (abs(dx) < r[i]) & (abs(dy) < r[i])][c % 2]    # square
        stripes = np.sin((xx * (c % 3) + yy * (c // 3 % 3)) * 0.8) > 0  # class texture
        colour = 0.5 * palette[c] + 0.5 * rng.uniform(40, 240, 3)  # class colour, blurred by a random one
        background = rng.uniform(20, 160, 3)
        img = np.where(shape[..., None], colour, background)
        img = img * (0.75 + 0.25 * stripes[..., None])
        images[i] = img
    images += rng.normal(0, 30, images.shape)
    return np.clip(images, 0, 255).astype(np.uint8), y


# Pixel scaling and the homework's image transforms (arrays or tensors shaped N x 32 x 32 x 3).

def to_unit(x_uint8: np.ndarray) -> np.ndarray:
    """[0, 255] integers -> [0, 1] float32."""
    return x_uint8.astype(np.float32) / 255.0


def unit_to_signed(x):
    """[0, 1] -> [-1, 1]."""
    return x * 2.0 - 1.0


def signed_to_unit(x):
    """[-1, 1] -> [0, 1]."""
    return (x + 1.0) / 2.0


def brighten(x: np.ndarray) -> np.ndarray:
    """Augmented dataset #1: every pixel x1.1, clipped at 1 (inputs in [0, 1])."""
    return np.minimum(1.1 * x, 1.0)


def darken(x: np.ndarray) -> np.ndarray:
    """Augmented dataset #2: every pixel x0.9 (inputs in [0, 1])."""
    return 0.9 * x


def mirror(x: np.ndarray) -> np.ndarray:
    """Augmented dataset #3: left-right mirror of N x H x W x C images (not upside down)."""
    return x[:, :, ::-1]


def flip_upside_down(x: np.ndarray) -> np.ndarray:
    """Pretext class 1: images turned upside down (rows reversed) for N x H x W x C."""
    return x[:, ::-1]


def rotate_ccw(x):
    """Pretext class 2: images rotated 90 degrees counter-clockwise, for N x H x W x C."""
    return np.rot90(x, 1, axes=(1, 2)) if isinstance(x, np.ndarray) else torch.rot90(x, 1, dims=(1, 2))


def stacked_views(x_unit: np.ndarray, transforms: list[Callable], chunk: int = 5000) -> torch.Tensor:
    """Each transform applied to [0,1] HWC images, stacked in order as one [-1,1] channels_last tensor.

    Filled chunk by chunk into one preallocated tensor, so memory peaks at the result plus a few
    thousand images (not at several full-size temporary copies).
    """
    n = len(x_unit)
    out = torch.empty((len(transforms) * n, 3, 32, 32)).contiguous(memory_format=torch.channels_last)
    for k, transform in enumerate(transforms):
        for i in range(0, n, chunk):
            out[k * n + i:k * n + min(i + chunk, n)] = images_to_tensor(unit_to_signed(transform(x_unit[i:i + chunk])))
    return out


def identity(x: np.ndarray) -> np.ndarray:
    """Augmented dataset #4 / pretext class 0: the images as they are."""
    return x


AUGMENTATIONS = {"brightened": brighten, "darkened": darken, "mirrored": mirror, "original": identity}
PRETEXT_CLASSES = {"original": identity, "upside down": flip_upside_down, "rotated 90 CCW": rotate_ccw}


def augmented_training_set(x_unit: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Problem 3's 4x set: brightened, darkened, mirrored, original (in that order), labels shared."""
    return stacked_views(x_unit, list(AUGMENTATIONS.values())), torch.as_tensor(np.tile(y, 4))


def pretext_training_set(x_unit: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Problem 4's 3x set: original (class 0), upside down (1), rotated 90 CCW (2)."""
    labels = np.repeat(np.arange(len(PRETEXT_CLASSES)), len(x_unit))
    return stacked_views(x_unit, list(PRETEXT_CLASSES.values())), torch.as_tensor(labels)


def images_to_tensor(x_hwc) -> torch.Tensor:
    """N x 32 x 32 x 3 float images -> float32 N x 3 x 32 x 32 tensor in channels_last memory."""
    t = torch.as_tensor(np.ascontiguousarray(x_hwc, dtype=np.float32) if isinstance(x_hwc, np.ndarray) else x_hwc)
    return t.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)


def class_counts(y: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """How many labels of each class."""
    return np.bincount(np.asarray(y), minlength=num_classes)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class BaselineCNN(nn.Module):
    """The homework's fixed CNN: conv5x5(10)-pool-conv5x5(10)-pool-fc(20)-fc(classes), ReLU, He init."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=5, stride=1)
        self.conv2 = nn.Conv2d(10, 10, kernel_size=5, stride=1)
        self.fc1 = nn.Linear(10 * 5 * 5, 20)
        self.fc2 = nn.Linear(20, num_classes)
        for layer in (self.conv1, self.conv2, self.fc1, self.fc2):
            he_init_(layer)

    def hidden(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The three hidden layers' activations, as the forward pass computes them (Problem 4's probes read them)."""
        # conv -> ReLU -> max-pool, computed as conv -> max-pool -> ReLU: ReLU is monotonic, so the two
        # orders give identical values (and gradients), and this one applies ReLU to 4x fewer numbers.
        h1 = F.relu(F.max_pool2d(self.conv1(x), 2, 2))   # 3x32x32 -> 10x28x28 -> 10x14x14
        h2 = F.relu(F.max_pool2d(self.conv2(h1), 2, 2))  # -> 10x10x10 -> 10x5x5
        h3 = F.relu(self.fc1(h2.flatten(1)))             # 250 -> 20
        return {"conv1": h1, "conv2": h2, "fc1": h3}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.hidden(x)["fc1"])           # logits; softmax lives in the loss


def layer_table(model: nn.Module, x: torch.Tensor) -> list[dict]:
    """Each leaf layer's input and output shape and parameter count, recorded by forward hooks on one pass of `x`."""
    rows = []

    def recorder(name: str):
        def hook(module, inputs, output):
            rows.append({"layer": name, "type": type(module).__name__, "input": tuple(inputs[0].shape[1:]),
                         "output": tuple(output.shape[1:]), "params": sum(p.numel() for p in module.parameters())})
        return hook

    leaves = [(name, m) for name, m in model.named_modules() if not list(m.children())]
    handles = [m.register_forward_hook(recorder(name)) for name, m in leaves]
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return rows


def he_init_(layer: nn.Module) -> nn.Module:
    """He (Kaiming) normal weights for ReLU, zero biases."""
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)
    return layer


TRANSFERABLE = ("conv1", "conv2", "fc1")  # every layer but the last


def transfer_from_pretext(pretext_state: dict, num_classes: int = 10,
                          layers: tuple[str, ...] = TRANSFERABLE) -> BaselineCNN:
    """A fresh BaselineCNN (He init) whose `layers` are replaced by the pretext network's; the others stay fresh."""
    model = BaselineCNN(num_classes)
    unknown = set(layers) - set(TRANSFERABLE)
    if unknown:
        raise ValueError(f"cannot transfer {sorted(unknown)}: choose among {TRANSFERABLE} (fc2 is the pretext head)")
    body = {k: v for k, v in pretext_state.items() if k.split(".")[0] in layers}
    missing, unexpected = model.load_state_dict(body, strict=False)
    assert not unexpected and {k.split(".")[0] for k in missing}.isdisjoint(layers), (missing, unexpected)
    return model


def transfer_optimizer(model: BaselineCNN, lr_transferred: float, lr_new: float,
                       layers: tuple[str, ...] = TRANSFERABLE) -> torch.optim.Adam:
    """Adam with one learning rate for the transferred `layers` and another for the freshly initialised rest."""
    transferred = [p for n, p in model.named_parameters() if n.split(".")[0] in layers]
    new = [p for n, p in model.named_parameters() if n.split(".")[0] not in layers]
    return torch.optim.Adam([{"params": transferred, "lr": lr_transferred, "name": "transferred"},
                             {"params": new, "lr": lr_new, "name": "new"}])


@torch.inference_mode()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 5000) -> float:
    """Classification accuracy, evaluated in large batches with gradients off."""
    model.eval()
    correct = sum((model(X[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum().item()
                  for i in range(0, len(X), batch_size))
    return correct / len(X)


def fit_classifier(model: nn.Module, X: torch.Tensor, y: torch.Tensor, optimizer, epochs: int, batch_size: int,
                   generator: torch.Generator, eval_sets: dict | None = None, eval_every: int = 1,
                   desc: str = "training") -> dict:
    """Cross-entropy training on in-memory tensors; accuracy on `eval_sets` every `eval_every` epochs.

    Returns {'train_loss', 'train_acc' (per epoch), 'epochs_evaluated', '<name>_acc' per eval set,
    'wall_time_s'}. Shuffling uses `generator`, batches are slices of one randperm per epoch.
    """
    eval_sets = eval_sets or {}
    history = {"train_loss": [], "train_acc": [], "epochs_evaluated": [], **{f"{k}_acc": [] for k in eval_sets}}
    start = time.perf_counter()
    bar = progress(range(1, epochs + 1), desc=desc)
    for epoch in bar:
        loss, acc = train_epoch(model, X, y, F.cross_entropy, optimizer, batch_size, generator, count_correct=True)
        history["train_loss"].append(loss)
        history["train_acc"].append(acc)
        if epoch % eval_every == 0 or epoch == epochs:
            history["epochs_evaluated"].append(epoch)
            for name, (Xe, ye) in eval_sets.items():
                history[f"{name}_acc"].append(accuracy(model, Xe, ye))
            bar.set_postfix(loss=f"{loss:.3f}", train=f"{acc:.3f}", refresh=False,
                            **{k: f"{history[f'{k}_acc'][-1]:.3f}" for k in eval_sets})
    history["wall_time_s"] = time.perf_counter() - start
    return history


def best_and_last(values: list[float], epochs: list[int]) -> dict:
    """Best value with its epoch, and the last value with its epoch."""
    i = int(np.argmax(values))
    return {"best": values[i], "best_epoch": epochs[i], "last": values[-1], "last_epoch": epochs[-1]}
