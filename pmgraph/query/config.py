"""Where the SPARQL endpoint comes from when ``--endpoint`` is not given.

In order: the environment variable ``PMGRAPH_ENDPOINT`` (set it empty to turn the others
off), ``endpoint = "URL"`` in ``pmgraph.toml`` in the working folder, then in
``$XDG_CONFIG_HOME/pmgraph/config.toml`` (``~/.config/pmgraph/config.toml``). The same files
may give ``graph = "IRI"``, the named graph to query (``--graph``).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from pmgraph.errors import ParameterError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

log = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "PMGRAPH_ENDPOINT"


def config_files() -> list[Path]:
    """The configuration files read, most important first."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return [Path("pmgraph.toml"), Path(base) / "pmgraph" / "config.toml"]


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not valid TOML ({exc}); fix it or remove it") from None
    except OSError as exc:
        raise ParameterError(f"{path}: cannot be read ({exc.strerror}); fix its "
                             "permissions or remove it") from None
    for key in ("endpoint", "graph"):
        if key in data and not isinstance(data[key], str):
            raise ParameterError(f'{path}: {key} must be a string, e.g. {key} = "..."')
    return data


def configured(key: str) -> tuple[str, str] | None:
    """The configured ``endpoint`` or ``graph`` and where it was found, or None."""
    if key == "endpoint" and ENDPOINT_VARIABLE in os.environ:
        value = os.environ[ENDPOINT_VARIABLE].strip()
        return (value, f"${ENDPOINT_VARIABLE}") if value else None
    for path in config_files():
        if path.is_file():
            value = _read(path).get(key)
            if value:
                return value, str(path)
    return None
