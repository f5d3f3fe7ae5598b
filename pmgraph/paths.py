"""Where the project's ontology, shapes, data, queries and sources are.

An installed wheel carries them under ``pmgraph/_resources/``; an editable install or a plain
checkout has them at the repository root, next to the package.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


#: The project root found for a package folder: an installation does not change while it runs,
#: and a query run many times finds its file from here each time.
_ROOTS: dict[Path, Path] = {}


def project_root() -> Path:
    """The folder holding ``ontology/``, ``data/``, ``queries/`` and ``sources/``."""
    root = _ROOTS.get(_PACKAGE_DIR)
    if root is None:
        bundled = _PACKAGE_DIR / "_resources"
        root = bundled if (bundled / "ontology").is_dir() else _PACKAGE_DIR.parent
        _ROOTS[_PACKAGE_DIR] = root
    return root


def ontology_file() -> Path:
    """The ontology, ``ontology/pm.ttl``."""
    return project_root() / "ontology" / "pm.ttl"


def shapes_file() -> Path:
    """The SHACL shapes, ``ontology/shapes.ttl``."""
    return project_root() / "ontology" / "shapes.ttl"


def data_dir() -> Path:
    """The project's instance data folder, ``data/``."""
    return project_root() / "data"


def data_files() -> list[Path]:
    """The project's data files (``data/*.ttl``), sorted by name."""
    return sorted(data_dir().glob("*.ttl"))


def queries_dir() -> Path:
    """The query library, ``queries/``."""
    return project_root() / "queries"


def checks_dir() -> Path:
    """The check queries, ``queries/checks/`` (``*-violation.rq``)."""
    return queries_dir() / "checks"


def sources_dir() -> Path:
    """The source texts, ``sources/``."""
    return project_root() / "sources"


def display_path(path: Path | str) -> str:
    """``path`` as a user should read it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return os.fspath(path)
