"""MkDocs hook: pages made from files outside docs/, so that each has one source.

- `index.md` is the README (its `docs/` links made site-relative; links to files outside the
  site point at the repository);
- `benchmarks.md` is `bench/results.md`, the table `make bench` writes;

(`docs/examples` is a link to `notebooks/`: mkdocs-jupyter renders the executed notebooks
with their outputs, without running them again.)
- `changelog.md` and `contributing.md` are the top-level files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

REPO = Path(__file__).resolve().parents[2]
SOURCE = "https://github.com/fsmnb/fsmnb/blob/main/"

_LINK = re.compile(r"\]\((?!https?://|#)([^)\s]+)\)")


def _site_links(text: str) -> str:
    """`docs/x.md` -> `x.md`; `notebooks/x.ipynb` -> `examples/x.ipynb`; other files -> GitHub."""

    def fix(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith("docs/"):
            return f"]({target.removeprefix('docs/')})"
        if target.startswith("notebooks/") and target.endswith(".ipynb"):
            return f"](examples/{target.removeprefix('notebooks/')})"
        if target in ("CHANGELOG.md", "CONTRIBUTING.md"):
            return f"]({target.lower()})"
        return f"]({SOURCE}{target})"

    return _LINK.sub(fix, text)


@event_priority(100)  # before the plugins' `on_files`, so that they see these pages too
def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages to the site's files."""
    pages = {
        "index.md": _site_links((REPO / "README.md").read_text(encoding="utf-8")),
        "benchmarks.md": (REPO / "bench" / "results.md").read_text(encoding="utf-8"),
        "changelog.md": (REPO / "CHANGELOG.md").read_text(encoding="utf-8"),
        "contributing.md": _site_links((REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")),
    }
    for name, text in pages.items():
        files.append(File.generated(config, name, content=text))
    return files
