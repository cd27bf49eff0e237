"""Shared fixtures: the repository on sys.path, small synthetic data sets made once per session."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory):
    """A folder with the synthetic speech stand-in under the course's file names (30 s of training)."""
    return H.write_synthetic_speech_data(tmp_path_factory.mktemp("speech"), train_seconds=30, test_seconds=5)
