"""Writing output so that a failure never leaves a half-written file or folder behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pmgraph.errors import OutputError
from pmgraph.paths import display_path


def _unwritable(path: Path, exc: OSError, what: str = "--out") -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"cannot write {display_path(path)} ({reason}); choose another {what}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{display_path(path)} is a folder; give a file name to --out")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are not
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _unwritable(path, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


#: A file every folder made by :func:`replace_dir` holds: only such a folder is ever replaced.
MARKER = ".pmgraph-output"


_MARKER_HEAD = "written by pmgraph; replaced whole by the next build. Its files:\n"


def _added_files(target: Path) -> list[str]:
    """Entries of a folder :func:`replace_dir` made that its marker does not list (files a
    user put there since). A marker from before the marker listed its files lists nothing
    to compare with, so nothing counts as added."""
    try:
        lines = (target / MARKER).read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return []
    except (OSError, UnicodeDecodeError):
        return []
    if not lines or lines[0] + "\n" != _MARKER_HEAD:
        return []
    listed = set(lines[1:]) | {MARKER}
    return sorted(entry.name for entry in target.iterdir() if entry.name not in listed)


@contextlib.contextmanager
def replace_dir(target: Path | str) -> Iterator[Path]:
    """Yield a fresh temporary folder next to ``target``; when the block ends without an
    error it takes ``target``'s place whole, otherwise it is removed and ``target`` is left
    as it was.

    ``target`` must be missing, empty, or a folder this function made before (it holds
    :data:`MARKER`): a folder of the user's own files is never replaced.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{display_path(target)} is a file; give a folder to --out")
    if target.is_dir() and not (target / MARKER).exists() and any(target.iterdir()):
        raise OutputError(
            f"{display_path(target)} holds files that pmgraph did not write; "
            "give an empty or new folder to --out"
        )
    added = _added_files(target)
    if added:
        raise OutputError(
            f"{display_path(target)} also holds files that pmgraph did not write "
            f"({', '.join(added[:3])}{', ...' if len(added) > 3 else ''}); move them out or "
            "give another folder to --out (nothing was changed)"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    except OSError as exc:
        raise _unwritable(target, exc) from None
    try:
        yield staging
        written = sorted(entry.name for entry in staging.iterdir())
        (staging / MARKER).write_text(
            _MARKER_HEAD + "".join(f"{name}\n" for name in written), encoding="utf-8"
        )
        staging.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            old.rmdir()
            os.rename(target, old)
            try:
                os.rename(staging, target)
            except OSError:
                os.rename(old, target)  # put the previous build back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _unwritable(target, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
