"""Writing output so that nothing a user has is lost and a failure leaves nothing half-written.

- A file output (:func:`atomic_write`, :func:`atomic_output`) is written to a temporary file
  beside its target and renamed over it only when complete. It replaces only a regular file:
  a folder, device, named pipe or socket at the path is refused untouched. A symbolic link is
  written through: the link stays and the file it points to gets the new content (atomically,
  in that file's folder). An existing file keeps its permission bits (a 0600 file stays 0600).
- A folder output (:func:`replace_dir`) is built in a temporary folder beside its target,
  which then takes the target's place whole. It replaces only a folder that is missing, empty,
  or holds a :data:`MARKER` listing every entry in it (a folder pmgraph wrote, nothing added
  since). A symbolic link to a folder is written through like a file link.
- Temporaries being written are tracked, so that a process told to stop at once (SIGTERM
  while native code runs) can remove them: :func:`discard_temporaries`. The renames that swap
  an output in run with SIGINT and SIGTERM held back (:func:`signals_held`), so an interrupt
  never falls between them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from pmgraph.errors import OutputError
from pmgraph.paths import display_path

#: Temporary files and folders being written now; see :func:`discard_temporaries`.
_TEMPORARIES: set[Path] = set()


@contextlib.contextmanager
def tracked(path: Path) -> Iterator[Path]:
    """Count ``path`` (a temporary file or folder) as in progress while the block runs."""
    _TEMPORARIES.add(path)
    try:
        yield path
    finally:
        _TEMPORARIES.discard(path)


def discard_temporaries() -> list[Path]:
    """Remove every temporary file and folder being written now; return those removed.

    For a process that must stop while its main thread is busy (inside native code): another
    thread calls this just before ``os._exit``. Each folder is first renamed aside so that
    whatever is still writing into it cannot recreate it.
    """
    removed = []
    for path in list(_TEMPORARIES):
        if path.is_dir() and not path.is_symlink():
            aside = path.with_name(path.name + ".discard")
            try:
                os.rename(path, aside)
            except OSError:
                aside = path
            for _ in range(5):
                shutil.rmtree(aside, ignore_errors=True)
                if not aside.exists():
                    break
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        removed.append(path)
    return removed


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs (a few renames), then act on them.

    Only in the main thread, and only for signals whose handler Python installed; elsewhere
    the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    saved = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler is not None:  # None: installed outside Python, cannot be put back
            saved[signum] = signal.signal(signum, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
        for signum in caught:
            signal.raise_signal(signum)


def _unwritable(path: Path, exc: OSError, what: str = "--out") -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"cannot write {display_path(path)} ({reason}); choose another {what}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def _special(mode: int) -> str | None:
    """What a file of ``mode`` is, when it is neither a regular file nor a folder."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None


def _file_target(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file writing ``path`` replaces (a link's target) and its status (None if new).

    Raises :class:`OutputError` for a folder, device, named pipe or socket.
    """
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return target, None
    except OSError as exc:
        raise _unwritable(path, exc) from None
    if stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{display_path(path)} is a folder; give a file name to --out")
    kind = _special(status.st_mode)
    if kind:
        raise OutputError(
            f"{display_path(path)} is {kind}, not a file; choose a file for --out "
            "(nothing was written to it)"
        )
    return target, status


def check_file_output(path: Path | str) -> Path:
    """``path`` if a file can be written there; raises :class:`OutputError` for a folder,
    device, named pipe or socket (so a command can refuse before it does any work)."""
    _file_target(Path(path))
    return Path(path)


@contextlib.contextmanager
def atomic_output(path: Path | str) -> Iterator[Path]:
    """Yield a temporary file's path to write ``path``'s new content into; when the block
    ends without an error the file takes ``path``'s place, otherwise it is removed and
    ``path`` is left as it was.

    ``path`` must be missing or a regular file, or a symbolic link to one (written through:
    the link stays, its target gets the content). A file there keeps its permission bits; a
    new one gets the usual ``0666 & ~umask``. Missing parent folders of a new file are made.
    Raises :class:`OutputError` when ``path`` is not a file or cannot be written.
    """
    path = Path(path)
    target, status = _file_target(path)
    try:
        if status is None:
            target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".tmp")
        os.close(handle)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    tmp = Path(name)
    with tracked(tmp):
        try:
            yield tmp
            if status is None:
                os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are not
            else:
                os.chmod(tmp, stat.S_IMODE(status.st_mode))
                if hasattr(os, "chown") and status.st_uid != os.geteuid():
                    with contextlib.suppress(OSError):  # possible only as root; keep the owner
                        os.chown(tmp, status.st_uid, status.st_gid)
            with signals_held():
                os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise _unwritable(path, exc) from None
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise


def atomic_write(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file (see :func:`atomic_output`);
    return ``path``."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as out:
            out.write(data)
    return Path(path)


#: A file every folder made by :func:`replace_dir` holds, listing that folder's entries: only
#: such a folder, with nothing added, is ever replaced.
MARKER = ".pmgraph-output"


_MARKER_HEAD = "written by pmgraph; replaced whole by the next build. Its files:\n"
_OLD_MARKER = "written by pmgraph; replaced whole by the next build"


def marker_text(names: Iterable[str]) -> str:
    """The :data:`MARKER` of a folder pmgraph wrote holding the entries ``names``."""
    return _MARKER_HEAD + "".join(f"{name}\n" for name in sorted(names))


def _refusal(target: Path, shown: str) -> OutputError | None:
    """Why the folder ``target`` may not be replaced, or None when it may.

    It may when it is empty, or when its marker is in the current format and lists every
    entry. A missing, empty, older-format or unreadable marker means the folder is not ours.
    """
    entries = sorted(entry.name for entry in target.iterdir())
    if not entries:
        return None
    unchanged = " (nothing was changed)"
    try:
        text = (target / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    if text is not None and text.startswith(_MARKER_HEAD):
        listed = set(text[len(_MARKER_HEAD):].splitlines()) | {MARKER}
        added = [name for name in entries if name not in listed]
        if not added:
            return None
        return OutputError(
            f"{shown} also holds files that pmgraph did not write "
            f"({', '.join(added[:3])}{', ...' if len(added) > 3 else ''}); move them out or "
            f"give another folder to --out{unchanged}"
        )
    if text is not None and text.strip() == _OLD_MARKER:
        return OutputError(
            f"{shown} was written by an older pmgraph that did not list its files, so files of "
            "yours there cannot be told apart; move your own files out and remove the folder, "
            f"or give another folder to --out{unchanged}"
        )
    return OutputError(
        f"{shown} holds files that pmgraph did not write; move them out or remove the folder, "
        f"or give an empty or new folder to --out{unchanged}"
    )


def check_folder_output(path: Path | str) -> Path:
    """The folder :func:`replace_dir` would replace for ``path`` (a link's target); raises
    :class:`OutputError` when it would refuse. Cheap: call it before slow work."""
    given = Path(path)
    shown = display_path(given)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    try:
        if target.exists() and not target.is_dir():
            kind = _special(target.stat().st_mode) or "a file"
            raise OutputError(f"{shown} is {kind}; give a folder to --out")
        refusal = _refusal(target, shown) if target.is_dir() else None
    except OSError as exc:
        raise _unwritable(given, exc) from None
    if refusal:
        raise refusal
    return target


@contextlib.contextmanager
def replace_dir(target: Path | str) -> Iterator[Path]:
    """Yield a fresh temporary folder next to ``target``; when the block ends without an
    error it takes ``target``'s place whole, otherwise it is removed and ``target`` is left
    as it was.

    ``target`` must be missing, empty, or a folder this function made before whose
    :data:`MARKER` lists every entry in it: a folder of the user's own files, or a build with
    files added, is refused untouched. A symbolic link to a folder is written through: the
    link stays and the folder it points to is replaced.
    """
    given = Path(target)
    target = check_folder_output(given)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    except OSError as exc:
        raise _unwritable(given, exc) from None
    with tracked(staging):
        try:
            yield staging
            written = sorted(entry.name for entry in staging.iterdir())
            (staging / MARKER).write_text(marker_text(written), encoding="utf-8")
            # Once more: files may have been added to the folder while the build ran.
            target = check_folder_output(given)
            # A folder there keeps its permission bits; a new one gets the usual ones.
            staging.chmod(stat.S_IMODE(target.stat().st_mode) if target.is_dir()
                          else 0o777 & ~_umask())
            swap_in(staging, target)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise _unwritable(given, exc) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` (missing, or a folder), removing the folder there
    only once ``new`` is in its place; on failure ``target`` is as it was.

    The renames and the removal run with SIGINT and SIGTERM held back (acted on once the
    new folder is in place); the old folder is tracked while it is removed, so a forced stop
    removes it too.
    """
    with signals_held():
        if not target.exists():
            os.rename(new, target)
            return
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
        old.rmdir()
        os.rename(target, old)
        try:
            os.rename(new, target)
        except BaseException:
            os.rename(old, target)  # put the previous folder back
            raise
        with tracked(old):
            shutil.rmtree(old, ignore_errors=True)
