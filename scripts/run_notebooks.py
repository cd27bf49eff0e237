"""Execute the notebooks top to bottom with papermill and print what ran on what.

Each notebook runs at its default settings when the course data it needs is in the data folder
($HW2_DATA_DIR or data/), otherwise in quick mode on its synthetic stand-in. Executed copies and
their outputs go to build/notebooks and build/outputs, so the committed notebooks and outputs/ stay
as they are; --in-place instead rewrites notebooks/ and outputs/ (full runs on real data only: it sets
$HW2_IN_PLACE=1, the one signal that lets a notebook's default OUTPUT_DIR be outputs/<name>).

A notebook that fails is reported with its exception, message, cell and source line, and its executed copy
(holding the traceback) is kept as build/notebooks/<name>.failed.ipynb; the summary table comes last and the
exit status is 1.

    python scripts/run_notebooks.py [--quick] [--only 01,02] [--in-place]
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import papermill as pm
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from papermill.exceptions import PapermillExecutionError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

NOTEBOOKS = {  # prefix: (notebook, default output folder, which data it needs)
    "01": ("01_speech_denoising_dnn", "01_dnn", "speech"),
    "02": ("02_speech_denoising_cnn1d", "02_cnn1d", "speech"),
    "03": ("03_cifar10_augmentation", "03_augmentation", "cifar"),
    "04": ("04_self_supervised_pretext", "04_pretext", "cifar"),
}


def data_state(kind: str, data_dir: Path) -> str:
    """What `data_dir` holds for a notebook of this kind: 'course data', 'synthetic stand-in' (nothing of it) or
    'incomplete course data' (the notebook stops naming what is missing)."""
    if kind == "speech":
        if not H.missing_speech_files(data_dir):
            return "course data"
        return "incomplete course data" if H.present_speech_files(data_dir) else "synthetic stand-in"
    folder = data_dir / H.CIFAR_FOLDER
    if (folder / "data_batch_1").is_file():
        return "course data"
    return "incomplete course data" if folder.is_dir() else "synthetic stand-in"


def coalesce_streams(path: Path) -> None:
    """Merge each cell's consecutive stream outputs and resolve progress-bar carriage returns, as Jupyter shows them."""
    nb = nbformat.read(path, as_version=4)
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    H.atomic_write_bytes(path, nbformat.writes(nb).encode())


def execute(source: Path, parameters: dict, output_notebook: Path, failed_copy: Path) -> float:
    """Run one notebook with papermill (working directory notebooks/); returns seconds taken.

    On failure the executed copy, traceback included, is moved to `failed_copy` before the exception propagates.
    """
    output_notebook.parent.mkdir(parents=True, exist_ok=True)
    tmp = output_notebook.with_name(f".{output_notebook.name}.running.ipynb")
    start = time.perf_counter()
    try:
        try:
            pm.execute_notebook(str(source), str(tmp), parameters=parameters, cwd=str(ROOT / "notebooks"),
                                kernel_name="python3", progress_bar=False)
        except BaseException:
            if tmp.is_file():
                failed_copy.parent.mkdir(parents=True, exist_ok=True)
                tmp.replace(failed_copy)
            raise
        coalesce_streams(tmp)
        tmp.replace(output_notebook)
        failed_copy.unlink(missing_ok=True)  # an earlier run's failure, now stale
    finally:
        tmp.unlink(missing_ok=True)
    return time.perf_counter() - start


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def failing_line(e: PapermillExecutionError) -> str:
    """The source line of the failing cell that raised ('line N: code'), from IPython's traceback arrows."""
    lines = ANSI.sub("", "\n".join(e.traceback)).splitlines()
    for line in lines:  # the first arrow is in the cell itself; later ones are inside called functions
        m = re.match(r"^\s*-+>\s*(\d+)\s(.*)$", line)
        if m:
            return f"line {m.group(1)}: {m.group(2).strip()}"
    source = [s for s in (e.source or "").splitlines() if s.strip()]
    return f"line ?: {source[-1].strip()}" if source else "line ?"


def describe_failure(e: BaseException) -> tuple[str, str]:
    """(one line for the summary table, the full report): exception type, message, cell and source line."""
    if isinstance(e, PapermillExecutionError):
        name, message = e.ename, (e.evalue or "").strip()
        where = f" in cell In [{e.exec_count}], {failing_line(e)}"
    else:
        name, message, where = type(e).__name__, str(e).strip(), ""
    lines = [m.strip() for m in message.splitlines() if m.strip()]
    gist = " ".join(lines[:2]) if lines and lines[0].endswith(":") else (lines[0] if lines else "")
    short = f"{name}{where.split(',')[0]}: {gist}"
    return (short[:160] + "...") if len(short) > 160 else short, f"{name}{where}\n{message}"


@contextmanager
def environment(**values: str):
    """os.environ with `values` set (a papermill kernel inherits it), restored afterwards."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="quick mode for every notebook")
    parser.add_argument("--only", default=",".join(NOTEBOOKS), help="comma-separated prefixes, e.g. 01,02")
    parser.add_argument("--in-place", action="store_true",
                        help="rewrite notebooks/ and outputs/ (the committed results); needs the real data")
    parser.add_argument("--notebook-dir", type=Path, default=ROOT / "notebooks", help=argparse.SUPPRESS)  # tests
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build", help=argparse.SUPPRESS)  # tests
    args = parser.parse_args(argv)
    data_dir = H.default_data_dir()
    chosen = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in NOTEBOOKS]
    if unknown:
        parser.error(f"unknown notebook prefix {unknown}; choose from {list(NOTEBOOKS)}")

    summary, failed = [], False
    for prefix in chosen:
        name, out_name, kind = NOTEBOOKS[prefix]
        data = data_state(kind, data_dir)
        quick = args.quick or data != "course data"
        if args.in_place and quick:
            print(f"{name}: --in-place needs the course data and full settings; skipped", file=sys.stderr)
            failed = True
            continue
        params = {"QUICK": True} if quick else {}
        if args.in_place:
            target = args.notebook_dir / f"{name}.ipynb"
        else:
            target = args.build_dir / "notebooks" / f"{name}.ipynb"
            params["OUTPUT_DIR"] = str(args.build_dir / "outputs" / out_name)
        failed_copy = args.build_dir / "notebooks" / f"{name}.failed.ipynb"
        print(f"== {name}: {'quick' if quick else 'full'} run on {data} -> {_shown(target)}", flush=True)
        try:
            with environment(HW2_IN_PLACE="1" if args.in_place else "0"):
                seconds = execute(args.notebook_dir / f"{name}.ipynb", params, target, failed_copy)
            status = "ok"
        except Exception as e:  # report and go on with the others
            short, report = describe_failure(e)
            seconds, status, failed = float("nan"), f"FAILED: {short}".replace("|", "\\|"), True
            print(f"!! {name} FAILED: " + report.replace("\n", "\n   "), flush=True)
            if failed_copy.is_file():
                print(f"   executed notebook with the traceback: {_shown(failed_copy)}", flush=True)
        summary.append((name, "quick" if quick else "full", data, seconds, status))

    print("\n| notebook | mode | data | seconds | status |\n|---|---|---|---|---|")
    for name, mode, data, seconds, status in summary:
        print(f"| {name} | {mode} | {data} | {seconds:.0f} | {status} |")
    return 1 if failed else 0


def _shown(path: Path) -> Path:
    """`path` relative to the repository when inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


if __name__ == "__main__":
    sys.exit(main())
