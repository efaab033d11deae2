"""Find the widgets' ES modules and CSS: inside the wheel, or in the repository.

A wheel carries the top-level `widgets/` folder as `fsmnb/_static` (see
`pyproject.toml`); an editable install reads the repository's `widgets/`
directly, so that anywidget's hot reload (`ANYWIDGET_HMR=1`) sees edits.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ("asset",)

_REPO_WIDGETS = Path(__file__).resolve().parents[2] / "widgets"


def asset(name: str) -> Path | str:
    """The file `name` (e.g. ``run_view.js``) as a path, or as text when it lives in a zip.

    Raises:
        FileNotFoundError: neither the package nor the repository has it.
    """
    packaged = resources.files("fsmnb").joinpath("_static", name)
    if packaged.is_file():
        return packaged if isinstance(packaged, Path) else packaged.read_text(encoding="utf-8")
    repo = _REPO_WIDGETS / name
    if repo.is_file():
        return repo
    raise FileNotFoundError(
        f"fsmnb's widget asset `{name}` is in neither `fsmnb/_static` nor `{_REPO_WIDGETS}`. "
        "Reinstall fsmnb (`pip install 'fsmnb[notebook]'`)."
    )
