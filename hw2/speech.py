"""Kept only for old imports (hw2/dev_voices.py says `from hw2.speech import stft`): the speech code now lives in
audio, voices, denoiser, speech_report, speech_run and synthetic_speech (see hw2/__init__.py). New code imports those.
"""
from hw2.audio import *  # noqa: F403
from hw2.denoiser import *  # noqa: F403
from hw2.speech_report import *  # noqa: F403
from hw2.speech_run import *  # noqa: F403
from hw2.synthetic_speech import *  # noqa: F403
from hw2.voices import *  # noqa: F403
