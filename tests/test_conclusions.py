"""Every committed notebook ends with a Conclusion whose every figure comes from its run's metrics.json."""
import json
import re

import nbformat
import pytest
from conftest import ROOT

NOTEBOOKS = {"01_speech_denoising_dnn": "01_dnn", "02_speech_denoising_cnn1d": "02_cnn1d",
             "03_cifar10_augmentation": "03_augmentation", "04_self_supervised_pretext": "04_pretext"}
# Files a Conclusion may quote besides its own outputs/<folder>/metrics.json, relative to the repository root.
# (Notebook 04's probes are in its metrics.json, so outputs/04_pretext/probes.json, a benchmark's file, is not needed.)
READS = {"02_speech_denoising_cnn1d": ["outputs/01_dnn/metrics.json"]}  # notebook 02 compares with notebook 01's run
NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")  # 45,000 is one number


def figures(text: str) -> list[str]:
    """The numbers written in a text, thousands separators removed."""
    return [t.replace(",", "") for t in NUMBER.findall(text)]


def conclusion_text(nb) -> str:
    """The markdown cell headed 'Conclusion' (its heading left out), then the printed output of the code cells
    after it: notebooks 01-02 print their conclusion from the metrics, notebooks 03-04 write it in the cell."""
    start = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and c.source.startswith("## Conclusion"))
    prose = nb.cells[start].source.removeprefix("## Conclusion")
    printed = "".join(o.get("text", "") for c in nb.cells[start + 1:] if c.cell_type == "code" for o in c.outputs)
    return prose + "\n" + printed


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
    return {float(n) for n in figures(str(obj))}


def matches(token: str, values: set[float]) -> bool:
    """Whether a printed number is some stored value rounded to the printed precision (or its negative)."""
    decimals = len(token.split(".")[1]) if "." in token else 0
    x = float(token)
    return any(abs(round(v, decimals) - x) < 1e-9 or abs(round(-v, decimals) - x) < 1e-9 for v in values)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_figure_in_the_conclusion_is_in_metrics_json(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    text = conclusion_text(nb)
    assert len(figures(text)) >= 5, "the conclusion states no results"
    files = [ROOT / "outputs" / NOTEBOOKS[name] / "metrics.json", *(ROOT / p for p in READS.get(name, []))]
    values = set().union(*(numbers_in(json.loads(f.read_text())) for f in files))
    missing = [t for t in figures(text) if not matches(t, values)]
    assert not missing, f"figures in the conclusion that {', '.join(f.name for f in files)} do not hold: {missing}"


def test_the_check_catches_a_typed_in_number():
    assert matches("13.71", {13.7149}) and not matches("13.72", {13.7149})
    assert matches("-0.23", {0.2301}) and matches("252", {252.4})
    assert figures("180,000 images, 0.6648 (epoch 57), [-0.63, -0.02]") == ["180000", "0.6648", "57", "-0.63", "-0.02"]


def test_a_written_conclusion_is_read_from_its_markdown_cell():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Conclusion\n\nBest 0.6648 at epoch 57.")])
    assert figures(conclusion_text(nb)) == ["0.6648", "57"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_notebook_reads_as_an_answer_not_a_lab_log(name):
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert sum(map(len, markdown)) <= 6000 and max(map(len, markdown)) <= 1500
    assert any(m.startswith("## Conclusion") for m in markdown)
    history = re.compile(r"previous default|earlier render|older readers|previous render", re.IGNORECASE)
    assert not any(history.search(m) for m in markdown)
