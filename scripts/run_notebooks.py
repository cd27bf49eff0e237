"""Execute the notebooks top to bottom with papermill and print what ran on what.

Each notebook runs at its default settings when the course data it needs is in the data folder
($HW2_DATA_DIR or data/), otherwise in quick mode on its synthetic stand-in. Executed copies and
their outputs go to build/notebooks and build/outputs, so the committed notebooks and outputs/ stay
as they are; --in-place instead rewrites notebooks/ and outputs/ (full runs on real data only).

    python scripts/run_notebooks.py [--quick] [--only 01,02] [--in-place]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

NOTEBOOKS = {  # prefix: (notebook, default output folder, which data it needs)
    "01": ("01_speech_denoising_dnn", "01_dnn", "speech"),
    "02": ("02_speech_denoising_cnn1d", "02_cnn1d", "speech"),
    "03": ("03_cifar10_augmentation", "03_augmentation", "cifar"),
    "04": ("04_self_supervised_pretext", "04_pretext", "cifar"),
}


def has_data(kind: str, data_dir: Path) -> bool:
    """Whether `data_dir` holds the course data a notebook of this kind needs."""
    if kind == "speech":
        return not H.missing_speech_files(data_dir)
    return (data_dir / H.CIFAR_FOLDER / "data_batch_1").is_file()


def coalesce_streams(path: Path) -> None:
    """Merge each cell's consecutive stream outputs and resolve progress-bar carriage returns, as Jupyter shows them."""
    import nbformat
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    nb = nbformat.read(path, as_version=4)
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    H.atomic_write_bytes(path, nbformat.writes(nb).encode())


def execute(prefix: str, parameters: dict, output_notebook: Path) -> float:
    """Run one notebook with papermill (working directory notebooks/); returns seconds taken."""
    import papermill as pm

    name = NOTEBOOKS[prefix][0]
    output_notebook.parent.mkdir(parents=True, exist_ok=True)
    tmp = output_notebook.with_name(f".{output_notebook.name}.running.ipynb")
    start = time.perf_counter()
    try:
        pm.execute_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"), str(tmp), parameters=parameters,
                            cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False)
        coalesce_streams(tmp)
        tmp.replace(output_notebook)
    finally:
        tmp.unlink(missing_ok=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="quick mode for every notebook")
    parser.add_argument("--only", default=",".join(NOTEBOOKS), help="comma-separated prefixes, e.g. 01,02")
    parser.add_argument("--in-place", action="store_true",
                        help="rewrite notebooks/ and outputs/ (the committed results); needs the real data")
    args = parser.parse_args(argv)
    data_dir = H.default_data_dir()
    chosen = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in NOTEBOOKS]
    if unknown:
        parser.error(f"unknown notebook prefix {unknown}; choose from {list(NOTEBOOKS)}")

    summary, failed = [], False
    for prefix in chosen:
        name, out_name, kind = NOTEBOOKS[prefix]
        real = has_data(kind, data_dir)
        quick = args.quick or not real
        if args.in_place and quick:
            print(f"{name}: --in-place needs the course data and full settings; skipped", file=sys.stderr)
            failed = True
            continue
        params = {"QUICK": True} if quick else {}
        if args.in_place:
            target = ROOT / "notebooks" / f"{name}.ipynb"
        else:
            target = ROOT / "build" / "notebooks" / f"{name}.ipynb"
            params["OUTPUT_DIR"] = str(ROOT / "build" / "outputs" / out_name)
        data = "course data" if real else "synthetic stand-in"
        print(f"== {name}: {'quick' if quick else 'full'} run on {data} -> {target.relative_to(ROOT)}", flush=True)
        try:
            seconds = execute(prefix, params, target)
            status = "ok"
        except Exception as e:  # report and go on with the others
            seconds, status, failed = float("nan"), f"FAILED: {type(e).__name__}: {str(e).splitlines()[0][:120]}", True
        summary.append((name, "quick" if quick else "full", data, seconds, status))

    print("\n| notebook | mode | data | seconds | status |\n|---|---|---|---|---|")
    for name, mode, data, seconds, status in summary:
        print(f"| {name} | {mode} | {data} | {seconds:.0f} | {status} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
