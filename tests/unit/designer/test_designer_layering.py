"""The designer's document model is plain Python: no notebook, widget or provider packages."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_document_model_imports_no_notebook_packages() -> None:
    code = (
        "import json, sys; import fsmnb.designer; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & {"IPython", "ipywidgets", "anywidget", "ipykernel", "openai", "anthropic"}
