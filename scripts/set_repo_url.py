"""Point the notebooks' set-up cells and Colab badges, and the README's badges, at another repository.

    python scripts/set_repo_url.py https://github.com/YOU/YOUR-FORK
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(new_url: str) -> None:
    new_url = new_url.rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", new_url):
        sys.exit(f"expected https://github.com/OWNER/REPO, got {new_url!r}")
    nb = (ROOT / "notebooks" / "01_speech_denoising_dnn.ipynb").read_text()
    old_url = re.search(r'REPO_URL = \\?"(https://github\.com/[^"\\]+)', nb).group(1)
    old_path, new_path = old_url.removeprefix("https://github.com/"), new_url.removeprefix("https://github.com/")
    for path in [*sorted((ROOT / "notebooks").glob("*.ipynb")), ROOT / "README.md"]:
        text = path.read_text()
        new = text.replace(old_url, new_url).replace(f"github/{old_path}/", f"github/{new_path}/")
        if new != text:
            path.write_text(new)
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
