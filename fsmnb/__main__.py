"""`python -m fsmnb ...` does what the `fsmnb` console script does."""

from __future__ import annotations

from fsmnb.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
