"""Every notebook in ``notebooks/`` runs top to bottom from a clean kernel, on the real graph,
without the internet, and is stored without outputs.

Each notebook is executed with nbclient in a fresh ``python3`` kernel whose working folder is
a temporary one and whose ``pmgraph`` is this checkout's. In the kernel, a connection to any
address other than loopback is refused, so a notebook that needs the internet fails here.
The PNG of the cell tagged ``readme-figure`` in each notebook is written to
``docs/notebook-<notebook name>.png``: the README's figures are drawn by this test.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DOCS = ROOT / "docs"
README_TAG = "readme-figure"
#: Seconds one cell may run before the test fails.
CELL_TIMEOUT = 300
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: Loaded first in the kernel (as ``sitecustomize``): no connection beyond this machine.
_NO_NETWORK = '''
import ipaddress
import socket


def _local(host):
    if host in ("localhost", None, ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(host):
    raise OSError(f"no network in the notebook tests: {host!r} is not this machine")


_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(address[0])
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(address[0])
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if not _local(name):
        _refuse(name)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = (
    connect, connect_ex, getaddrinfo)
'''


def _ids(path: Path) -> str:
    return path.stem


def test_the_notebooks_are_there() -> None:
    assert {"researcher", "curator"} <= {path.stem for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert any(cell.cell_type == "markdown" for cell in notebook.cells)
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name} cell {number} has stored outputs; clear them"
        assert cell.execution_count is None, (
            f"{path.name} cell {number} has an execution count; clear the outputs"
        )


def _kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel imports this checkout's pmgraph and cannot reach the network."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_NO_NETWORK, encoding="utf-8")
    paths = [str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in paths if p))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def _failure(path: Path, notebook: nbformat.NotebookNode, exc: CellExecutionError) -> str:
    """The failing cell's number, source and error, without terminal colours."""
    for number, cell in enumerate(notebook.cells, start=1):
        errors = [o for o in cell.get("outputs", ()) if o.output_type == "error"]
        if errors:
            trace = _ANSI.sub("", "\n".join(errors[0].traceback))
            return (f"{path.name} cell {number} failed: {errors[0].ename}: {errors[0].evalue}\n"
                    f"--- cell {number} ---\n{cell.source}\n--- traceback ---\n{trace}")
    return f"{path.name} failed: {_ANSI.sub('', str(exc))}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_runs_top_to_bottom(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kernel_env(tmp_path, monkeypatch)
    work = tmp_path / "work"
    work.mkdir()
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
        resources={"metadata": {"path": str(work)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(_failure(path, notebook, exc), pytrace=False)

    tagged = [c for c in notebook.cells if README_TAG in c.metadata.get("tags", ())]
    assert len(tagged) == 1, f"{path.name}: tag one cell '{README_TAG}' (found {len(tagged)})"
    images = [o.data["image/png"] for o in tagged[0].outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, f"{path.name}: the '{README_TAG}' cell drew {len(images)} figures"
    png = base64.b64decode(images[0])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (DOCS / f"notebook-{path.stem}.png").write_bytes(png)


def test_a_notebook_that_needs_the_internet_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kernel_env(tmp_path, monkeypatch)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(
            "import urllib.request\nurllib.request.urlopen('http://example.org/', timeout=5)"
        )],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}},
    )
    path = tmp_path / "online.ipynb"
    client = NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as caught:
        client.execute()
    message = _failure(path, notebook, caught.value)
    assert message.startswith("online.ipynb cell 1 failed: URLError:")
    assert "no network in the notebook tests: 'example.org' is not this machine" in message
    assert "urllib.request.urlopen('http://example.org/', timeout=5)" in message
