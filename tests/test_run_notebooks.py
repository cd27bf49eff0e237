"""scripts/run_notebooks.py: a failed notebook is reported with its cause, and its executed copy is kept."""
import contextlib
import importlib.util
import io

import nbformat
import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_notebooks)

CAUSE = "the cause: test_x_31.wav is not audio"


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    """(exit status, printed output, build folder) of run_notebooks.py on a notebook whose third cell raises."""
    tmp = tmp_path_factory.mktemp("failing")
    notebooks, build, data = tmp / "notebooks", tmp / "build", tmp / "no-data"
    notebooks.mkdir()
    data.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("QUICK = False\nOUTPUT_DIR = None", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell(f"def check():\n    raise ValueError({CAUSE!r})"),
                nbformat.v4.new_code_cell("x = 1\ncheck()\ny = 2")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebooks / "01_speech_denoising_dnn.ipynb")
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("HW2_DATA_DIR", str(data))
        status = run_notebooks.main(["--only", "01", "--quick", "--notebook-dir", str(notebooks),
                                     "--build-dir", str(build)])
    return status, out.getvalue(), build


def test_the_exception_its_message_cell_and_line_are_printed(failed_run):
    _, printed, _ = failed_run
    report = printed.split("| notebook |")[0]
    assert "ValueError" in report and CAUSE in report and "line 2: check()" in report and "cell In [" in report


def test_the_executed_notebook_is_kept_and_its_path_printed(failed_run):
    _, printed, build = failed_run
    kept = build / "notebooks" / "01_speech_denoising_dnn.failed.ipynb"
    assert kept.is_file() and str(kept) in printed
    errors = [o for c in nbformat.read(kept, as_version=4).cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors and errors[0].evalue == CAUSE


def test_the_summary_table_comes_last_and_the_status_is_non_zero(failed_run):
    status, printed, _ = failed_run
    last = printed.strip().splitlines()[-1]
    assert status == 1 and last.startswith("| 01_speech_denoising_dnn |") and "FAILED: ValueError" in last
