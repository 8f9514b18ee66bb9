"""notebooks/quickstart.ipynb runs top to bottom, offline, without an error in any cell."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

QUICKSTART = Path(__file__).resolve().parents[1] / "notebooks" / "quickstart.ipynb"


@pytest.mark.notebook
def test_quickstart_notebook_runs_and_renders_html(tmp_path: Path) -> None:
    notebook = nbformat.read(QUICKSTART, as_version=4)
    client = NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})

    client.execute()  # raises CellExecutionError naming the failing cell

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("lookup_order_status" in h and "HTTP 200" in h for h in html)
    assert any("needs_input" in h and "ORD-12345" in h for h in html)
    assert any("turn 2" in h for h in html)  # the session transcript
