"""The committed speech notebooks end with a Conclusion whose every figure comes from the run's metrics.json."""
import json
import re

import nbformat
import pytest
from conftest import ROOT

NOTEBOOKS = {"01_speech_denoising_dnn": "01_dnn", "02_speech_denoising_cnn1d": "02_cnn1d"}
READS = {"02_speech_denoising_cnn1d": ["01_dnn"]}  # notebook 02 compares with notebook 01's committed run
NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def conclusion_text(nb) -> str:
    """The printed output of the code cells after the markdown cell headed 'Conclusion'."""
    start = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and c.source.startswith("## Conclusion"))
    return "".join(o.get("text", "") for c in nb.cells[start + 1:] if c.cell_type == "code" for o in c.outputs)


def numbers_in(obj) -> set[float]:
    """Every number in a JSON value: its numbers, and the numbers written in its keys and strings."""
    if isinstance(obj, dict):
        return set().union(*(numbers_in(k) | numbers_in(v) for k, v in obj.items())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(numbers_in(v) for v in obj)) if obj else set()
    if isinstance(obj, bool) or obj is None:
        return set()
    if isinstance(obj, (int, float)):
        return {float(obj)}
    return {float(n) for n in NUMBER.findall(str(obj))}


def matches(token: str, values: set[float]) -> bool:
    """Whether a printed number is some stored value rounded to the printed precision (or its negative)."""
    decimals = len(token.split(".")[1]) if "." in token else 0
    x = float(token)
    return any(abs(round(v, decimals) - x) < 1e-9 or abs(round(-v, decimals) - x) < 1e-9 for v in values)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_figure_in_the_conclusion_is_in_metrics_json(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    text = conclusion_text(nb)
    assert len(NUMBER.findall(text)) >= 5, "the conclusion states no results"
    values = set().union(*(numbers_in(json.loads((ROOT / "outputs" / folder / "metrics.json").read_text()))
                           for folder in [NOTEBOOKS[name], *READS.get(name, [])]))
    missing = [t for t in NUMBER.findall(text) if not matches(t, values)]
    assert not missing, f"figures in the conclusion that metrics.json does not hold: {missing}"


def test_the_check_catches_a_typed_in_number():
    assert matches("13.71", {13.7149}) and not matches("13.72", {13.7149})
    assert matches("-0.23", {0.2301}) and matches("252", {252.4})


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_notebook_reads_as_an_answer_not_a_lab_log(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert sum(map(len, markdown)) <= 6000 and max(map(len, markdown)) <= 1500
    assert any(m.startswith("## Conclusion") for m in markdown)
    history = re.compile(r"previous default|earlier render|older readers|previous render", re.IGNORECASE)
    assert not any(history.search(m) for m in markdown)
