"""Every output pmgraph writes: nothing a user has at ``--out`` is lost.

A file output replaces only a regular file (a link is written through, permission bits are
kept); devices, named pipes and sockets are refused; ``--out -`` is standard output.
``build --out`` replaces only an empty folder or one whose marker lists every file in it.
SIGTERM cleans up like Ctrl-C and exits 143, also while native code runs.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from pmgraph.errors import OutputError
from pmgraph.files import MARKER, marker_text, replace_dir
from pmgraph.graph.load import load_graph
from pmgraph.publishing.build import BUILD_FILES
from pmgraph.publishing.export import serialize

ROOT = Path(__file__).resolve().parents[1]
SMALL = """\
ctr:leeds a pm:CentreOfExcellence ; rdfs:label "Leeds centre" ; pm:locatedIn place:leeds .
place:leeds a pm:City ; rdfs:label "Leeds" .
"""


def first_error(run) -> str:
    """The run's first stderr line, after checking it is the only line and no traceback."""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.err, run.err
    return lines[0]


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder`` with what a user would notice: bytes, link target,
    kind of special file, permission bits."""
    seen: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        name = str(path.relative_to(folder))
        if stat.S_ISLNK(info.st_mode):
            seen[name] = ("link", os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            seen[name] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
        elif stat.S_ISDIR(info.st_mode):
            seen[name] = ("folder", stat.S_IMODE(info.st_mode))
        else:
            seen[name] = ("special", stat.S_IFMT(info.st_mode), info.st_rdev)
    return seen


@pytest.fixture
def small(write_ttl) -> Path:
    return write_ttl(SMALL, "small.ttl")


@pytest.fixture
def specials(tmp_path) -> dict[str, Path]:
    """A character device (like /dev/null), a named pipe and a socket, made in ``tmp_path``."""
    folder = tmp_path / "specials"
    folder.mkdir()
    null = folder / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    fifo = folder / "fifo"
    os.mkfifo(fifo)
    sock = folder / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()
    (folder / "link-to-null.ttl").symlink_to("null")
    return {"character device": null, "named pipe": fifo, "socket": sock,
            "character device (through a link)": folder / "link-to-null.ttl"}


# ---------------------------------------------------------------- devices, pipes, sockets


@pytest.mark.parametrize("kind", ["character device", "named pipe", "socket",
                                  "character device (through a link)"])
@pytest.mark.parametrize("command", ["export", "viz", "synth"])
def test_a_device_pipe_or_socket_is_refused_untouched(cli, small, specials, kind, command):
    target = specials[kind]
    before = snapshot(target.parent)
    argv = {
        "export": ("export", "--data", small, "--out", target),
        "viz": ("viz", "--data", small, "--out", target),
        "synth": ("synth", "--triples", "5000", "--out", target),
    }[command]
    if command == "synth" and target.suffix != ".ttl":
        argv = (*argv[:-1], target.with_name(target.name + ".ttl"))
        target.rename(argv[-1])
        before = snapshot(target.parent)
    run = cli(*argv)
    assert run.code == 2
    shown = kind.removesuffix(" (through a link)")
    assert first_error(run) == (
        f"pmgraph: error: {argv[-1]} is a {shown}, not a file; choose a file for --out "
        "(nothing was written to it)"
    )
    assert snapshot(target.parent) == before


def test_build_onto_a_device_is_refused(cli, specials):
    null = specials["character device"]
    before = snapshot(null.parent)
    run = cli("build", "--out", null)
    assert run.code == 2
    assert first_error(run) == (
        f"pmgraph: error: {null} is a character device; give a folder to --out"
    )
    assert snapshot(null.parent) == before


# ---------------------------------------------------------------- links and permissions


def test_a_file_link_is_written_through(cli, small, tmp_path):
    real = tmp_path / "real.nt"
    real.write_text("old")
    link = tmp_path / "link.nt"
    link.symlink_to("real.nt")
    run = cli("export", "--data", small, "--format", "nt", "--out", link)
    assert run.code == 0 and run.err == f"pmgraph: wrote {link}\n"
    assert os.readlink(link) == "real.nt"
    assert real.read_bytes() == serialize(load_graph(small), "nt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.nt", "real.nt", "small.ttl"]


def test_a_link_into_another_folder_writes_the_file_there(cli, small, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "view.html").write_text("old")
    here = tmp_path / "here"
    here.mkdir()
    (here / "view.html").symlink_to(elsewhere / "view.html")
    run = cli("viz", "--data", small, "--out", here / "view.html")
    assert run.code == 0, run.err
    assert (elsewhere / "view.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (here / "view.html").is_symlink()
    assert sorted(p.name for p in here.iterdir()) == ["view.html"]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["view.html"]


def test_a_dangling_link_gets_its_file(cli, small, tmp_path):
    link = tmp_path / "g.ttl"
    link.symlink_to("made.ttl")
    assert cli("export", "--data", small, "--out", link).code == 0
    assert link.is_symlink() and (tmp_path / "made.ttl").read_bytes().startswith(b"@prefix")


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_a_file_keeps_its_permission_bits(cli, small, tmp_path, mode):
    private = tmp_path / "private.ttl"
    private.write_text("secret")
    private.chmod(mode)
    run = cli("export", "--data", small, "--out", private)
    assert run.code == 0
    assert stat.S_IMODE(private.stat().st_mode) == mode
    assert private.read_bytes() == serialize(load_graph(small), "turtle")
    run = cli("synth", "--triples", "5000", "--out", private)
    assert run.code == 0
    assert stat.S_IMODE(private.stat().st_mode) == mode
    # synth writes the graph's sources beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private.ttl", "small.ttl", "sources"]


def test_a_new_file_gets_the_usual_bits(cli, small, tmp_path):
    mask = os.umask(0o022)
    try:
        assert cli("export", "--data", small, "--out", tmp_path / "new.ttl").code == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.ttl").stat().st_mode) == 0o644


# ---------------------------------------------------------------- standard output


def test_export_to_standard_output(cli, small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cli("export", "--data", small, "--format", "nt", "--out", "-")
    assert run.code == 0 and run.err == ""
    assert run.out.encode("utf-8") == serialize(load_graph(small), "nt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.ttl"]


def test_viz_to_standard_output(cli, small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cli("viz", "--data", small, "--out", "-")
    assert run.code == 0
    assert run.out.startswith("<!DOCTYPE html>") and run.out.rstrip().endswith("</html>")
    assert run.err == "pmgraph: wrote the view to standard output: 2 entities, 1 link.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.ttl"]


def test_synth_to_standard_output_is_the_turtle_of_the_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cli("synth", "--triples", "5000", "--seed", "3", "--out", "-")
    assert run.code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    streamed = run.out
    assert cli("synth", "--triples", "5000", "--seed", "3", "--out", "s.ttl").code == 0
    assert streamed.encode("utf-8") == (tmp_path / "s.ttl").read_bytes()
    # Turtle 1.2 (its statements' annotations), which rdflib's parser cannot read
    quads = list(ox.parse(streamed.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    reifiers = {q.subject for q in quads if q.predicate.value.endswith("#reifies")}
    triples = sum(1 for q in quads if q.subject not in reifiers)
    assert run.err == (f"pmgraph: wrote {triples} triples, "
                       f"{run.err.split(', ')[1].split(' ')[0]} entities (seed 3) as Turtle "
                       "to standard output; the copies' sources are not written (write to a "
                       "file for a graph whose quotes validate)\n")


def test_build_refuses_standard_output(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = cli("build", "--out", "-")
    assert run.code == 2
    assert first_error(run).startswith(
        "pmgraph: error: build writes a folder of files, not one stream; give a folder to --out"
    )
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- build --out: the marker


def previous_build(folder: Path, *user_files: str) -> None:
    """A folder as a build wrote it (current marker), plus ``user_files`` added since."""
    folder.mkdir()
    for name in BUILD_FILES:
        (folder / name).write_text(f"previous {name}")
    (folder / MARKER).write_text(marker_text(BUILD_FILES), encoding="utf-8")
    for name in user_files:
        (folder / name).write_text(f"mine: {name}")


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        pytest.param(b"written by pmgraph; replaced whole by the next build\n",
                     "was written by an older pmgraph that did not list its files, so files of "
                     "yours there cannot be told apart; move your own files out and remove the "
                     "folder, or give another folder to --out (nothing was changed)",
                     id="old-format"),
        pytest.param(b"", "holds files that pmgraph did not write; move them out or remove the "
                     "folder, or give an empty or new folder to --out (nothing was changed)",
                     id="empty"),
        pytest.param(b"\xff\xfe not text", "holds files that pmgraph did not write",
                     id="unreadable"),
        pytest.param(None, "holds files that pmgraph did not write", id="missing"),
        pytest.param("folder", "holds files that pmgraph did not write", id="a-folder"),
    ],
)
def test_build_never_deletes_files_it_did_not_write(cli, tmp_path, marker, expected):
    out = tmp_path / "oldbuild"
    out.mkdir()
    (out / "pmgraph.ttl").write_text("from an older build")
    (out / "my-notes.md").write_text("my notes")
    (out / "figures").mkdir()
    (out / "figures" / "fig1.png").write_bytes(b"\x89PNG")
    if marker == "folder":
        (out / MARKER).mkdir()
    elif marker is not None:
        (out / MARKER).write_bytes(marker)
    before = snapshot(tmp_path)
    run = cli("build", "--out", out)
    assert run.code == 2
    assert first_error(run).startswith(f"pmgraph: error: {out} ")
    assert expected in first_error(run)
    assert snapshot(tmp_path) == before


def test_build_refuses_a_build_with_files_added(cli, tmp_path):
    out = tmp_path / "build"
    previous_build(out, "thesis.docx")
    before = snapshot(tmp_path)
    run = cli("build", "--out", out)
    assert run.code == 2
    assert first_error(run) == (
        f"pmgraph: error: {out} also holds files that pmgraph did not write (thesis.docx); "
        "move them out or give another folder to --out (nothing was changed)"
    )
    assert snapshot(tmp_path) == before


def test_build_replaces_its_own_folder_and_keeps_its_mode(cli, tmp_path):
    out = tmp_path / "build"
    previous_build(out)
    out.chmod(0o750)
    run = cli("build", "--out", out)
    assert run.code == 0, run.err
    assert sorted(p.name for p in out.iterdir()) == sorted([*BUILD_FILES, MARKER])
    assert (out / "pmgraph.ttl").read_bytes().startswith(b"@prefix")
    assert (out / MARKER).read_text(encoding="utf-8") == marker_text(BUILD_FILES)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_build_through_a_folder_link(cli, tmp_path):
    real = tmp_path / "realtarget"
    previous_build(real)
    link = tmp_path / "linkbuild"
    link.symlink_to("realtarget")
    run = cli("build", "--out", link)
    assert run.code == 0, run.err
    assert link.is_symlink() and os.readlink(link) == "realtarget"
    assert (real / "pmgraph.ttl").read_bytes().startswith(b"@prefix")
    assert sorted(p.name for p in real.iterdir()) == sorted([*BUILD_FILES, MARKER])
    # No stray .linkbuild.old-* or .realtarget.old-* (or .new-*) left beside them.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkbuild", "realtarget"]


def test_build_through_a_link_to_a_folder_of_user_files_is_refused(cli, tmp_path):
    real = tmp_path / "papers"
    real.mkdir()
    (real / "thesis.docx").write_text("mine")
    (tmp_path / "linkbuild").symlink_to("papers")
    before = snapshot(tmp_path)
    run = cli("build", "--out", tmp_path / "linkbuild")
    assert run.code == 2
    assert "holds files that pmgraph did not write" in first_error(run)
    assert snapshot(tmp_path) == before


def test_a_file_added_while_the_build_runs_is_kept(tmp_path):
    out = tmp_path / "build"
    previous_build(out)
    with pytest.raises(OutputError, match=r"also holds files that pmgraph did not write \(late"):
        with replace_dir(out) as staging:
            (staging / "pmgraph.ttl").write_text("new")
            (out / "late.md").write_text("written while the build ran")
    assert (out / "late.md").read_text() == "written while the build ran"
    assert (out / "pmgraph.ttl").read_text() == "previous pmgraph.ttl"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


# ---------------------------------------------------------------- read-only filesystem


@pytest.fixture
def read_only(tmp_path) -> Path:
    """A read-only filesystem (a tmpfs mounted ``ro``); needs root, which these tests have."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.fail("mounting a read-only filesystem needs root")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                   check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("synth", "--triples", "5000", "--out", "{ro}/s.ttl"),
         "pmgraph: error: cannot write {ro}/s.ttl (Read-only file system); choose another --out"),
        (("export", "--data", "{small}", "--out", "{ro}/e.ttl"),
         "pmgraph: error: cannot write {ro}/e.ttl (Read-only file system); choose another --out"),
        (("viz", "--data", "{small}", "--out", "{ro}/v.html"),
         "pmgraph: error: cannot write {ro}/v.html (Read-only file system); "
         "choose another --out"),
        (("build", "--out", "{ro}/b"),
         "pmgraph: error: cannot write {ro}/b (Read-only file system); choose another --out"),
        (("load", "{small}", "--store", "{ro}/st"),
         "pmgraph: error: {ro}/st: cannot create the store (Read-only file system)"),
    ],
    ids=["synth", "export", "viz", "build", "load"],
)
def test_a_read_only_filesystem_gives_one_line(cli, read_only, small, argv, message):
    fill = {"ro": read_only, "small": small}
    run = cli(*(a.format(**fill) for a in argv))
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert lines[-1] == message.format(**fill) and "Traceback" not in run.err
    assert list(read_only.iterdir()) == []


# ---------------------------------------------------------------- SIGTERM


def pmgraph(*argv: str | Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pmgraph", *map(str, argv)], cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.02)


def test_sigterm_during_build_keeps_the_previous_build(cli, tmp_path):
    assert cli("synth", "--triples", "10k", "--out", tmp_path / "s10k.ttl").code == 0
    out = tmp_path / "ibuild"
    assert cli("build", "--out", out).code == 0  # the previous build, from the real data
    before = snapshot(tmp_path)
    run = pmgraph("build", "--data", tmp_path / "s10k.ttl", "--out", out, cwd=tmp_path)
    for line in run.stderr:  # the build has started writing: pmgraph.ttl is in its staging
        if line.startswith("pmgraph: writing pmgraph.nt"):
            break
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ibuild.new-")]
    run.send_signal(signal.SIGTERM)
    rest = run.stderr.read().splitlines()
    assert run.wait(timeout=60) == 143
    assert rest[-1] == "pmgraph: terminated; nothing half-written was kept"
    assert all(line.startswith("pmgraph: writing ") for line in rest[:-1]), rest
    assert snapshot(tmp_path) == before  # byte-identical, nothing left beside it


def test_sigterm_during_synth_leaves_no_temporary_file(tmp_path):
    (tmp_path / "big.nt").write_text("previous")
    run = pmgraph("synth", "--triples", "2M", "--out", "big.nt", cwd=tmp_path)
    wait_for(lambda: len(list(tmp_path.iterdir())) == 2)  # the temporary file beside it
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 143
    assert run.stderr.read().splitlines()[0] == (
        "pmgraph: terminated; nothing half-written was kept"
    )
    assert snapshot(tmp_path) == {"big.nt": ("file", b"previous", 0o644)}


def test_sigterm_in_a_long_native_query_still_stops_the_process(write_ttl, tmp_path):
    """The main thread cannot act on a signal inside Oxigraph; a watchdog ends the process."""
    data = write_ttl("".join(f"ctr:c{i} rdfs:label 'c{i}' .\n" for i in range(300)))
    query = tmp_path / "cart.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . "
                     "?g ?s ?h . ?i ?t ?j }\n")
    run = pmgraph("query", query, "--data", data, cwd=tmp_path)
    # Started: imports done and the query running (no output before the answer).
    ready, _, _ = select.select([run.stderr], [], [], 3)
    assert not ready and run.poll() is None
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 143
    assert run.stderr.read().splitlines() == ["pmgraph: terminated; nothing half-written was kept"]


def test_sigterm_during_load_leaves_the_previous_store(cli, tmp_path, small):
    assert cli("synth", "--triples", "50k", "--out", tmp_path / "s.nt").code == 0
    assert cli("load", small, "--store", tmp_path / "st").code == 0
    before = snapshot(tmp_path)
    run = pmgraph("load", tmp_path / "s.nt", "--store", tmp_path / "st", cwd=tmp_path)
    wait_for(lambda: any(p.name.startswith(".st.building-") for p in tmp_path.iterdir()))
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=60) == 143
    assert run.stderr.read().splitlines()[-1] == (
        "pmgraph: terminated; nothing half-written was kept"
    )
    assert snapshot(tmp_path) == before
