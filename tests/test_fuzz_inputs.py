"""Malformed Turtle and SPARQL through ``validate``, ``export`` and ``query``.

Inputs are made from a real data file and real library queries by seeded mutations
(truncation, flipped bytes, stray brackets, quotes and annotation tokens, control characters,
invalid UTF-8, a byte order mark, long tokens, deep nesting, update keywords, SERVICE clauses,
random garbage). For every run: the exit code is a documented one (0, 1, 2, 3; 4 only with a
"time" message), an exit code 2 comes with one ``pmgraph: error:`` line, nothing prints a
traceback, and a failed run leaves its folder as it was (no output, no temporaries).

Each case has an id (``validate-017``) and its recipe; a failure names the command and the
input, so the case can be run again by its id. The bulk runs in-process through
:func:`pmgraph.cli.main`; a sample runs as ``python -m pmgraph`` so that a crash of native
code (a segfault, exit -11 or 139) shows as itself.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = 12_2026
#: The real inputs the mutations start from: small, so that every run stays fast.
TURTLE = (ROOT / "data" / "belfast.ttl").read_bytes()
QUERIES = tuple((ROOT / "queries" / name).read_bytes()
                for name in ("01-centres.rq", "06-theme-coverage.rq", "25-documents.rq"))
#: The valid graph the malformed queries run against.
GRAPH = ROOT / "data" / "belfast.ttl"
#: Cases per command; the sample runs as subprocesses.
COUNTS = {"validate": 110, "export": 110, "query-rq": 130, "query-data": 80}
SUBPROCESS_SAMPLE = 12
#: Characters a line on stderr may take besides its file name: it quotes what is wrong, not
#: a whole 60 KB token.
MAX_ERROR_LINE = 1_000

BOM = b"\xef\xbb\xbf"
TOKENS = (
    b"[", b"]", b"(", b")", b"{", b"}", b"<", b">", b'"', b"'", b'"""', b"'''", b"{|", b"|}",
    b"<<", b">>", b"^^", b"@", b"@en", b"@prefix", b"PREFIX", b".", b";", b",", b"#", b"\\",
    b"\\u", b"\\U0010FFFF", b"_:", b":", b"a", b"?x", b"$", b"~", b"*", b"|", b"/", b"^",
    b"<http://x", b"<>", b"<javascript:alert(1)>", b"\"\"@", b"1e", b"+-", b".5.",
)
CONTROL = bytes([*range(0x00, 0x20), 0x7F]) + b"\x1b[2J" + b"\xc2\x85"
INVALID_UTF8 = (b"\xff", b"\xfe", b"\xc3\x28", b"\xa0\xa1", b"\xed\xa0\x80", b"\xc0\xaf",
                b"\xf8\x88\x80\x80\x80", b"\xe2\x82", b"\xf4\x90\x80\x80")
UPDATES = (
    b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", b"DELETE WHERE { ?s ?p ?o }", b" ; DROP ALL",
    b"; drop all ;", b"LOAD <http://127.0.0.1:9/x.ttl>", b"CLEAR DEFAULT", b"clear all",
    b"CREATE GRAPH <urn:g>", b"COPY DEFAULT TO <urn:g>", b"WITH <urn:g> DELETE { ?s ?p ?o } "
    b"WHERE { ?s ?p ?o }", b"delete data { <urn:a> <urn:b> <urn:c> }",
)
SERVICES = (
    b"SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o }",
    b"SERVICE SILENT <http://127.0.0.1:9/sparql> { ?zz ?p ?o }",
    b"SERVICE <file:///etc/passwd> { ?s ?p ?o }",
    b"service <http://[::1]:9/q> { ?s ?p ?o . }",
    b"SERVICE ?endpoint { ?s ?p ?o }",
)


# --------------------------------------------------------------------------- mutations


def _at(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def _insert(rng: random.Random, data: bytes, piece: bytes) -> bytes:
    at = _at(rng, data)
    return data[:at] + piece + data[at:]


def truncate(rng: random.Random, data: bytes, kind: str) -> bytes:
    return data[: _at(rng, data)]


def flip_bytes(rng: random.Random, data: bytes, kind: str) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def insert_tokens(rng: random.Random, data: bytes, kind: str) -> bytes:
    for _ in range(rng.randint(1, 6)):
        data = _insert(rng, data, rng.choice(TOKENS))
    return data


def delete_syntax(rng: random.Random, data: bytes, kind: str) -> bytes:
    """Remove some brackets, quotes, dots or angle brackets."""
    chars = rng.choice((b"[]", b"()", b"{}", b"<>", b'"', b".;,", b"|", b"@^"))
    spots = [i for i, byte in enumerate(data) if byte in chars]
    drop = set(rng.sample(spots, min(len(spots), rng.randint(1, 4))))
    return bytes(b for i, b in enumerate(data) if i not in drop)


def delete_span(rng: random.Random, data: bytes, kind: str) -> bytes:
    at = _at(rng, data)
    return data[:at] + data[at + rng.randint(1, 200):]


def control_chars(rng: random.Random, data: bytes, kind: str) -> bytes:
    for _ in range(rng.randint(1, 5)):
        data = _insert(rng, data, bytes([rng.choice(CONTROL)]))
    if rng.random() < 0.3:  # inside a literal: the parser accepts some, the outputs must cope
        at = data.find(b'"', rng.randrange(max(len(data), 1)))
        if at >= 0:
            data = data[: at + 1] + rng.choice((b"\x0b", b"\x1b]0;t\x07", b"\x00", b"\x7f"))\
                + data[at + 1:]
    return data


def invalid_utf8(rng: random.Random, data: bytes, kind: str) -> bytes:
    for _ in range(rng.randint(1, 3)):
        data = _insert(rng, data, rng.choice(INVALID_UTF8))
    return data


def byte_order_mark(rng: random.Random, data: bytes, kind: str) -> bytes:
    data = BOM + data
    return _insert(rng, data, BOM) if rng.random() < 0.4 else data


def long_token(rng: random.Random, data: bytes, kind: str) -> bytes:
    size = rng.randint(2_000, 60_000)
    piece = rng.choice((
        b"a" * size,
        b"<http://example.org/" + b"x" * size + b">",
        b'"' + b"y" * size + b'"',
        b"pm:" + b"z" * size,
        b"1" * size,
        b"?" + b"v" * size,
        b"@" + b"e" * size,
    ))
    return _insert(rng, data, piece)


def deep_nesting(rng: random.Random, data: bytes, kind: str) -> bytes:
    depth = rng.randint(2_000, 3_000)
    closed = rng.random() < 0.7
    if kind == "turtle":
        opener, closer = rng.choice((
            (b"[ <urn:p> ", b"] "), (b"( ", b") "), (b"<< <urn:s> <urn:p> ", b">> ")))
        body = b"<urn:s> <urn:p> " + opener * depth + b"<urn:o> " + (
            closer * depth if closed else b"") + b".\n"
    else:
        opener, closer = rng.choice(((b"{ ", b"} "), (b"(", b")"), (b"[ <urn:p> ", b"] ")))
        if opener == b"(":
            body = (b"SELECT * WHERE { ?s ?p ?o FILTER " + opener * depth + b"?o" +
                    (closer * depth if closed else b"") + b" }")
        elif opener == b"{ ":
            body = (b"SELECT * WHERE " + opener * depth + b"?s ?p ?o " +
                    (closer * depth if closed else b""))
        else:
            body = (b"SELECT * WHERE { ?s <urn:p> " + opener * depth + b"?o " +
                    (closer * depth if closed else b"") + b" }")
    where = rng.random()
    if where < 0.2:
        return _insert(rng, data, body)
    if where < 0.5 and kind == "turtle":
        return data + b"\n" + body  # after valid data: the outputs meet the nesting
    return body


def update_keywords(rng: random.Random, data: bytes, kind: str) -> bytes:
    update = rng.choice(UPDATES)
    where = rng.random()
    if where < 0.3:
        return data.replace(b"SELECT", update + b"\nSELECT", 1)
    if where < 0.6:
        return data + b"\n" + update
    if where < 0.8:
        return data.replace(b"SELECT", update.split(b" ")[0], 1)
    return _insert(rng, data, update)


def service_clause(rng: random.Random, data: bytes, kind: str) -> bytes:
    clause = rng.choice(SERVICES)
    brace = data.find(b"WHERE {")
    if brace >= 0 and rng.random() < 0.8:
        at = brace + len(b"WHERE {")
        return data[:at] + b"\n  " + clause + b" .\n" + data[at:]
    return _insert(rng, data, clause)


def garbage(rng: random.Random, data: bytes, kind: str) -> bytes:
    size = rng.randint(1, 400)
    junk = "".join(rng.choice(
        "abcdefxyz0123456789 \t\n<>[](){}\"'.,;:@^|#?$_-*/\\=!&%~`+") for _ in range(size))
    if rng.random() < 0.3:
        return junk.encode()
    return _insert(rng, data, junk.encode())


def empty_ish(rng: random.Random, data: bytes, kind: str) -> bytes:
    return rng.choice((b"", b" ", b"\n", BOM, b"#", b"\x00", b".", b"{}", b"[]", b"()"))


MUTATIONS = (truncate, flip_bytes, insert_tokens, delete_syntax, delete_span, control_chars,
             invalid_utf8, byte_order_mark, long_token, deep_nesting, garbage, empty_ish)
SPARQL_MUTATIONS = (*MUTATIONS, update_keywords, update_keywords, service_clause,
                    service_clause)


@dataclass(frozen=True)
class Case:
    id: str
    command: str  # validate, export, query-rq, query-data
    recipe: tuple[str, ...]
    data: bytes
    out: str = ""  # export: the --out file name
    fmt: str = ""  # validate and query: --format

    def argv(self, folder: Path) -> list[str]:
        given = str(folder / self.input_name)
        if self.command == "validate":
            return ["validate", "--data", given, "--format", self.fmt]
        if self.command == "export":
            return ["export", "--data", given, "--out", str(folder / self.out)]
        if self.command == "query-rq":
            return ["query", given, "--data", str(GRAPH), "--format", self.fmt,
                    "--timeout", "20"]
        return ["query", "centres", "--data", given, "--format", self.fmt, "--timeout", "20"]

    @property
    def input_name(self) -> str:
        return "input.rq" if self.command == "query-rq" else "input.ttl"


def _make_cases() -> list[Case]:
    rng = random.Random(SEED)
    cases = []
    for command, count in COUNTS.items():
        sparql = command == "query-rq"
        for number in range(count):
            data = rng.choice(QUERIES) if sparql else TURTLE
            kinds = SPARQL_MUTATIONS if sparql else MUTATIONS
            recipe = []
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                mutation = rng.choice(kinds)
                data = mutation(rng, data, "sparql" if sparql else "turtle")
                recipe.append(mutation.__name__)
            out = fmt = ""
            if command == "export":
                out = "out." + rng.choice(("ttl", "ttl", "nt", "jsonld", "graphml", "gexf", "csv"))
            elif command == "validate":
                fmt = rng.choice(("text", "text", "json", "turtle"))
            else:
                fmt = rng.choice(("table", "table", "csv", "json", "markdown"))
            cases.append(
                Case(f"{command}-{number:03d}", command, tuple(recipe), data, out, fmt))
    return cases


CASES = _make_cases()


def _sample() -> list[Case]:
    """Three cases per command, deep nesting and long tokens first (what could crash)."""
    chosen = []
    for command in COUNTS:
        mine = [c for c in CASES if c.command == command]
        risky = [c for c in mine if {"deep_nesting", "long_token"} & set(c.recipe)]
        rest = [c for c in mine if c not in risky]
        chosen += (risky[:2] + rest)[: SUBPROCESS_SAMPLE // len(COUNTS)]
    return chosen


SAMPLE = _sample()


# --------------------------------------------------------------------------- checks


def _shown(data: bytes, limit: int = 300) -> str:
    if len(data) <= limit:
        return repr(data)
    return f"{data[: limit - 80]!r} ... ({len(data):,} bytes) ... {data[-80:]!r}"


def check_run(case: Case, folder: Path, before: set[str], code: int, out: str, err: str) -> None:
    """Assert what a user notices of one run; the message names the case, command, input."""
    argv = case.argv(folder)
    where = (f"\ncase {case.id} ({' + '.join(case.recipe)})\ncommand: pmgraph "
             f"{' '.join(argv)}\ninput: {_shown(case.data)}\nexit code: {code}\n"
             f"stderr: {err[-2000:]!r}\nstdout: {out[:300]!r}")
    lines = err.splitlines()
    assert code in (0, 1, 2, 3, 4), f"undocumented exit code{where}"
    if code == 4:
        assert len(lines) == 1 and lines[0].startswith("pmgraph: error: ") and "time" in err, \
            f"exit 4 without a one-line time-out message{where}"
    assert "Traceback" not in err and "Traceback" not in out, f"traceback{where}"
    assert all(line.startswith("pmgraph: ") for line in lines), f"stray stderr line{where}"
    longest = max((len(line) for line in lines), default=0)
    assert longest <= MAX_ERROR_LINE + len(str(folder)), \
        f"stderr line of {longest:,} characters{where}"
    if case.fmt in ("text", "table"):  # read on a terminal: no escape sequence acts on it
        assert "\x1b" not in out and "\x07" not in out, f"raw escape on stdout{where}"
    errors = [line for line in lines if line.startswith("pmgraph: error: ")]
    if code in (2, 3, 4):
        # One error line, last; any line before it is a warning about the input (a
        # ``pmgraph: ...`` log line), never a second error.
        assert len(errors) == 1 and lines[-1] == errors[0], f"not one error line{where}"
        assert err.endswith("\n") and err.count("\n") == len(lines), f"broken line{where}"
        assert not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in errors[0]), \
            f"control character in the error line{where}"
        assert out == "", f"output on failure{where}"
    else:
        assert not errors, f"error line with exit code {code}{where}"
    after = set(os.listdir(folder))
    assert (folder / case.input_name).read_bytes() == case.data, f"input changed{where}"
    written = after - before
    if case.command == "export" and code == 0:
        assert written == {case.out}, f"export wrote {sorted(written)}{where}"
        assert (folder / case.out).stat().st_size > 0, f"empty export{where}"
    else:
        assert not written, f"left {sorted(written)} behind{where}"
    assert not before - after, f"removed {sorted(before - after)}{where}"


def _prepare(case: Case, folder: Path) -> set[str]:
    (folder / case.input_name).write_bytes(case.data)
    (folder / "notes.txt").write_text("a file of the user's, kept\n", encoding="utf-8")
    return set(os.listdir(folder))


# --------------------------------------------------------------------------- tests


def test_the_cases_are_varied_and_small():
    """The generator makes what this file claims: every mutation, small inputs, new bytes."""
    assert len(CASES) == sum(COUNTS.values()) >= 300
    used = {name for case in CASES for name in case.recipe}
    assert used == {m.__name__ for m in SPARQL_MUTATIONS}
    assert max(len(case.data) for case in CASES) < 200_000
    assert sum(case.data in (TURTLE, *QUERIES) for case in CASES) < len(CASES) // 20
    assert len(SAMPLE) == SUBPROCESS_SAMPLE
    assert _make_cases() == CASES  # the seed fixes them: a failing id names the same input


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_malformed_input_in_process(case, tmp_path, cli):
    before = _prepare(case, tmp_path)
    run = cli(*case.argv(tmp_path))
    check_run(case, tmp_path, before, run.code, run.out, run.err)


@pytest.mark.parametrize("case", SAMPLE, ids=lambda c: c.id)
def test_malformed_input_as_a_process(case, tmp_path):
    before = _prepare(case, tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "pmgraph", *case.argv(tmp_path)], cwd=ROOT, env=env,
        capture_output=True, timeout=120,
    )
    out = done.stdout.decode("utf-8", "backslashreplace")
    err = done.stderr.decode("utf-8", "backslashreplace")
    assert done.returncode >= 0, f"killed by signal {-done.returncode}: case {case.id}"
    check_run(case, tmp_path, before, done.returncode, out, err)


def test_turtle_report_of_evidence_findings(cli):
    """Findings of the evidence checks (a quote whose source names no file) are in the
    Turtle report as ``sh:sourceConstraint "evidence"``, the shapes' ones with their
    component: the report was a traceback for ``belfast.ttl`` alone."""
    from rdflib import Graph, Literal
    from rdflib.namespace import SH

    run = cli("validate", "--data", GRAPH, "--format", "turtle")
    assert run.code == 1 and "Traceback" not in run.err, run.err
    report = Graph().parse(data=run.out, format="turtle")
    results = set(report.subjects(SH.resultSeverity, None))
    evidence = set(report.subjects(SH.sourceConstraint, Literal("evidence")))
    components = set(report.objects(None, SH.sourceConstraintComponent))
    assert evidence and evidence < results
    assert SH.ClassConstraintComponent in components
