#!/usr/bin/env bash
# Create (once) the project's virtual environment in .venv and install requirements.txt into it.
# Re-running is cheap: nothing is reinstalled unless requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing requirements into $VENV (a few minutes the first time)"
  # PyTorch first, pinned: on these machines it resolves to the local CPU wheel; elsewhere pip
  # picks the platform's build. If 2.13.0 is not offered, requirements.txt's range decides.
  "$VENV/bin/pip" install -q "torch==2.13.0" || echo "setup: torch 2.13.0 not available here; using requirements.txt's range"
  "$VENV/bin/pip" install -q -r requirements.txt
  echo "$want" > "$stamp"
fi
"$VENV/bin/python" -c "import torch, librosa, soundfile, papermill; print(f'setup: ready (torch {torch.__version__}, librosa {librosa.__version__})')"
