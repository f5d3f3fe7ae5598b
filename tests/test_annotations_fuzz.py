"""Adversarial Turtle for the annotations read beside the store's load: whatever a file holds
around, inside or after its annotation blocks, the graph is the one the store gives when it
loads the file whole and the reifiers are read back, and a syntax error names its place."""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode
from rdflib.compare import isomorphic
from test_annotations import (
    HEAD,
    _as_written,
    _folder,
    _whole,
    small_parts,  # noqa: F401 - a fixture, used by name
)

from pmgraph.errors import DataLoadError
from pmgraph.graph.annotations import StrippedText
from pmgraph.graph.exact import mixed_case_tag, table_of
from pmgraph.graph.load import load_graph

Q = 'pm:source src:s ; pm:quote "opened in 2016 and paid for by the fund"'
BLOCK = "{| " + Q + " |}"


@pytest.fixture(params=["default-parts", "small-parts"])
def parts(request):
    """Each case with the default parts and with parts of a few hundred bytes."""
    if request.param == "small-parts":
        request.getfixturevalue("small_parts")
    return request.param


def _padded(body: str) -> str:
    """``body`` after enough plain annotated statements that small parts cut before it."""
    filler = "".join(f'ex:f{i} pm:partOf ex:b {BLOCK} .\n' for i in range(6))
    return HEAD + filler + body


def _valid(text: str) -> None:
    """The case is Turtle 1.2 as pyoxigraph reads it (strict), so both paths load it."""
    list(ox.parse(input=text.encode("utf-8"), format=ox.RdfFormat.TURTLE,
                  base_iri="http://example.org/base/"))


def _same(fast, whole) -> None:
    assert len(fast) == len(whole)
    assert isomorphic(_as_written(fast), _as_written(whole))
    assert table_of(fast).triples == table_of(whole).triples


def _fast(path, caplog):
    """The graph of ``path`` by the fast path: the annotations were read beside the load
    (unless a capital language tag keeps the file whole), which did not start again whole."""
    with caplog.at_level(logging.DEBUG, logger="pmgraph"):
        graph = load_graph(path)
    messages = [r.getMessage() for r in caplog.records]
    path = Path(path)
    files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
    if all(mixed_case_tag(None, file.read_bytes()) is None for file in files):
        assert not [m for m in messages if "loading again" in m]
    for file in files:
        text = file.read_bytes()
        if b"{|" in text and mixed_case_tag(None, text) is None:
            assert [m for m in messages if file.name in m and "annotations read beside" in m]
    return graph


def _no_blank(graph) -> set:
    return {t for t in _as_written(graph)
            if not any(isinstance(term, BNode) for term in t)
            and not any("/statement/" in str(term) for term in t)}


CASES = {
    # strings holding what would open, close or name a block, in each string form
    "short-double": 'ex:a pm:name "x |} {| ~ << _:b # . @prefix ex: <http://evil/> . '
                    'BASE <http://evil/> ." ' + BLOCK + ' .\n',
    "short-single": "ex:a pm:name 'x |} {| ~ << _:b # . PREFIX ex: <http://evil/> \" ' "
                    + BLOCK + ' .\n',
    "long-double": 'ex:a pm:name """x |}\n{| ~ << _:b # "" " .\n@prefix ex: <http://evil/> .\n'
                   '|} """ ' + BLOCK + ' .\n',
    "long-single": "ex:a pm:name '''x |}\n{| ~ << _:b # '' ' .\n@base <http://evil/> .\n"
                   "''' " + BLOCK + ' .\n',
    "in-block-strings": 'ex:a pm:partOf ex:b {| ' + Q + ' ;\n'
                        '    pm:note "|} . ex:z pm:p ex:y {|" , \'~ << _:b\' , """ |}\n .\n'
                        '@prefix ex: <http://evil/> .\n""" , \'\'\'{|\n|}\'\'\' |} .\n',
    "escaped-quote-at-end": 'ex:a pm:name "a\\"" ' + BLOCK + ' ; pm:note \'b\\\'\' ' + BLOCK
                            + ' ;\n    pm:altName """c\\"""" ' + BLOCK + " .\n",
    "backslash-at-end": 'ex:a pm:name "a\\\\" ' + BLOCK + " ; pm:note 'b\\\\' " + BLOCK
                        + ' ;\n    pm:altName """c\\\\""" ' + BLOCK
                        + " , '''d\\\\''' " + BLOCK + " .\n",
    "unicode-escapes": 'ex:a pm:name "\\u007C\\u007D \\U0001F600 \\u007B\\u007C" {| ' + Q
                       + ' ; pm:note "\\u007C\\u007D" |} .\n',
    # comments holding block marks, quotes and directives, outside and inside a block
    "comments": '# {| " \'\'\' @prefix ex: <http://evil/> .\nex:a pm:partOf ex:b {| # |} "\n'
                '    ' + Q + ' ; # \'\'\' {| @prefix\n    pm:note "n" # |} .\n|} . # {|\n'
                'ex:a pm:name "x" . # """\n',
    # IRIs and names
    "iris": 'ex:a pm:homepage <http://example.org/a#b?c=~d&e=_:f> {| ' + Q
            + ' ; pm:note <rel#x> , <\\u0061bc> , <http://example.org/~x> |} ;\n'
            '    pm:partOf <rel/child#frag> {| ' + Q + " |} .\n",
    "relative-iris-after-base": '@base <http://example.org/other/> .\n<a> <p#q> <b#c> {| '
                                + Q + ' ; pm:note <d> |} .\n',
    "escaped-local-names": 'ex:a\\#b pm:partOf ex:a\\.b {| ' + Q + ' ; pm:note ex:c\\~d , '
                           'ex:e\\(f\\) |} ;\n    pm:name ex:g%7C {| ' + Q + ' |} .\n'
                           'ex:a.b pm:partOf ex:c:d {| ' + Q + " |} .\n",
    "a-as-verb": 'ex:a pm:partOf ex:b {| a pm:Evidence ; ' + Q + " |} ; a pm:Centre {| "
                 + Q + " |} .\n",
    "numbers-in-block": 'ex:a pm:partOf ex:b {| ' + Q + ' ; pm:note 1.50 , true , false , '
                        '-5 , +07 , 1e3 , 1.0E-2 , .5 , "01"^^xsd:integer , '
                        '"1"^^xsd:boolean |} .\n',
    "numbers-annotated": 'ex:a pm:value 1.50 ' + BLOCK + ' , 007 ' + BLOCK + ' , true '
                         + BLOCK + ' , 1E3 ' + BLOCK + ' , "0.10"^^xsd:decimal ' + BLOCK
                         + " .\n",
    "language-tags": 'ex:a pm:name "x"@EN-GB {| ' + Q + ' ; pm:note "y"@En , "z"@de-AT-1996 '
                     '|} , "w"@en--ltr ' + BLOCK + ' , "v"@EN-gb--rtl ' + BLOCK + " .\n",
    # blocks in every place a statement allows them
    "several-blocks": 'ex:a pm:partOf ex:b ' + BLOCK + ' {| pm:source src:t |} {| pm:note "3" '
                      "|} .\n",
    "object-list": 'ex:a pm:partOf ex:b ' + BLOCK + ' , ex:c ' + BLOCK + ', ex:d{|' + Q
                   + '|},ex:e .\n',
    "then-predicate": 'ex:a pm:partOf ex:b ' + BLOCK + ' ; pm:name "n" ' + BLOCK
                      + ' ; ; pm:value 3 .\n',
    "no-space": 'ex:a pm:partOf ex:b{|' + Q + '|}.\nex:c pm:partOf ex:d{|' + Q
                + '|}.# end\n',
    "same-triple-twice": 'ex:a pm:partOf ex:b ' + BLOCK + ' .\nex:a pm:partOf ex:b '
                         '{| pm:source src:t |} .\n',
    "same-value-two-forms": 'ex:a pm:value "1"^^xsd:integer ' + BLOCK + ' , '
                            '"01"^^xsd:integer {| pm:source src:t |} .\n',
    "tag-marks-in-strings": 'ex:a pm:name \'said "yes"@EN-GB\' {| ' + Q + ' ; pm:note '
                            '\'said "no"@De-AT\' , """a "b"@En c""" |} .\n',
    "version-directive": 'VERSION "1.2"\nex:a pm:partOf ex:b ' + BLOCK + ' .\n@version "1.2" .\n'
                         'ex:c pm:partOf ex:b ' + BLOCK + ' .\n',
    "literal-source": 'ex:a pm:partOf ex:b {| pm:source "s.txt" ; pm:quote "opened in 2016" |} '
                      '.\n',
    "quote-forms": 'ex:a pm:partOf ex:b {| pm:source <https://w3id.org/pmgraph/id/source/s> ; '
                   'pm:quote "opened in 2016\\u0020and paid" , """paid for by the fund""" , '
                   '\'the centre holds\' , "opened"^^xsd:string , "not in the source" |} .\n',
    "second-source-holds-it": 'ex:a pm:partOf ex:b {| pm:source src:t , src:s ; '
                              'pm:quote "opened in 2016" |} .\n',
    "quote-and-tag-in-iri": 'ex:a pm:partOf ex:b {| ' + Q + ' ; pm:note "n"@EN-GB |} .\n'
                            "ex:a pm:homepage <http://example.org/a'@En> " + BLOCK + " .\n",
    "quote-in-neither-source": 'ex:a pm:partOf ex:b {| pm:source src:t , src:s ; '
                               'pm:quote "in neither file" |} .\n',
    "cut-after-string-heavy": "".join(
        f'ex:s{i} pm:name """{i} . |}}\n{{| ."""  {{| {Q} |}} .\n'
        f"ex:s{i} pm:note '.' {{| pm:source src:s ; pm:note \"\"\" .\n |}}\"\"\" |}} .\n"
        for i in range(12)),
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_adversarial_text_gives_the_graph_of_the_whole_load(tmp_path, caplog, parts, body):
    text = _padded(body)
    _valid(text)
    path = _folder(tmp_path, text)
    _same(_fast(path, caplog), _whole(path))


def test_several_files_with_blocks_labels_and_bases(tmp_path, caplog, parts):
    """Each file's blank node labels, base and written forms stay its own."""
    first = _padded('_:x pm:name "a" .\nex:a pm:partOf ex:b ' + BLOCK + ' .\n'
                    'ex:a pm:value "01"^^xsd:integer ' + BLOCK + " .\n")
    second = (HEAD + '@base <http://example.org/b/> .\n_:x pm:name "b" .\n'
              'ex:a pm:partOf ex:b {| pm:source src:t ; pm:quote "a second block" |} .\n'
              'ex:a pm:value "1"^^xsd:integer {| pm:source src:t ; pm:quote "a second" |} .\n'
              "<rel> pm:partOf ex:b " + BLOCK + " .\n")
    _valid(first)
    _valid(second)
    _folder(tmp_path, first)
    (tmp_path / "second.ttl").write_text(second, encoding="utf-8")
    (tmp_path / "third.nt").write_text(
        '<http://example.org/a> <http://example.org/p> "x"@EN-GB .\n', encoding="utf-8")
    _same(_fast(tmp_path, caplog), _whole(tmp_path))


#: Cases whose own test shows a difference: left out of the mixtures below, which then show
#: only what mixing adds (a directive, a cut or a line end between cases).
_DIFFERING = {"numbers-in-block", "language-tags", "tag-marks-in-strings",
              "quote-and-tag-in-iri", "quote-in-neither-source"}


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("seed", range(6))
def test_mixtures_of_the_cases(tmp_path, caplog, seed):
    """Cases one after the other, with directives between them, in small parts."""
    rng = random.Random(seed)
    names = sorted(set(CASES) - _DIFFERING)
    directives = [DIRECTIVES[name] for name in ("prefix-redefined", "sparql-prefix-mixed",
                                                "turtle-base", "relative-base", "no-space")]
    # '_:' anywhere (even in a string) keeps the text in one part: left out here
    pieces = [CASES[rng.choice(names)].replace("ex:a ", f"ex:a{rng.randint(0, 3)} ")
              .replace("_:", "_-") for _ in range(8)]
    for _ in range(2):
        pieces.insert(rng.randint(len(pieces) // 2, len(pieces)), rng.choice(directives))
    text = _padded("".join(pieces))
    if seed % 2:
        text = text.replace("\n", "\r\n")
    _valid(text)
    assert len(list(StrippedText(text.encode("utf-8")).parts(first=200, size=300))) > 1
    path = _folder(tmp_path, "")
    path.write_bytes(text.encode("utf-8"))
    _same(_fast(path, caplog), _whole(path))


LAYOUTS = {
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "bom": lambda text: "\ufeff" + text,
    "bom-crlf": lambda text: "\ufeff" + text.replace("\n", "\r\n"),
    "no-final-newline": lambda text: text.rstrip("\n"),
    "ends-in-block": lambda text: text + "ex:z pm:partOf ex:y " + BLOCK,
    "ends-in-block-dot": lambda text: text + "ex:z pm:partOf ex:y " + BLOCK + ".",
    "ends-in-comment": lambda text: text + "ex:z pm:partOf ex:y " + BLOCK + " .# {|",
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_line_ends_marks_and_file_ends(tmp_path, caplog, parts, layout):
    # no "_:" (which keeps a text in one part)
    text = layout(_padded(CASES["comments"] + CASES["long-double"].replace("_:", "_-")))
    if text.endswith("|}"):
        text += " ."  # a statement ends with its dot
    _valid(text.lstrip("\ufeff"))
    path = _folder(tmp_path, "")
    path.write_bytes(text.encode("utf-8"))
    _same(_fast(path, caplog), _whole(path))


def test_a_block_on_a_blank_node_loads_whole_every_time(tmp_path, parts):
    """The file is loaded again whole, and nothing of the first attempt stays in the store:
    each blank node once, every time (a store load left running would add each again). A
    blank subject's statement IRIs are made afresh by each load: the counts and the triples
    without blank nodes are compared."""
    text = (HEAD + "[ pm:partOf ex:c " + BLOCK + " ] .\n"
            + 'ex:a pm:partOf [ pm:partOf ex:b ' + BLOCK + ' ; pm:name "n" ' + BLOCK + " ] .\n")
    _valid(text)
    path = _folder(tmp_path, text)
    whole = _whole(path)
    sizes = Counter()
    for _ in range(60):
        fast = load_graph(path)
        sizes[len(fast)] += 1
    assert sizes == {len(whole): 60}
    assert _no_blank(fast) == _no_blank(whole)


DIRECTIVES = {
    "prefix-redefined": "@prefix ex: <https://w3id.org/pmgraph/id/org/> .\n",
    "sparql-prefix-lower": "prefix ex: <https://w3id.org/pmgraph/id/org/>\n",
    "sparql-prefix-mixed": "Prefix ex: <https://w3id.org/pmgraph/id/org/>\n",
    "empty-prefix": "PREFIX : <https://w3id.org/pmgraph/id/org/>\n",
    "source-prefix": "@prefix src: <https://w3id.org/pmgraph/id/other/> .\n"
                     'src:s <http://purl.org/dc/terms/identifier> "t.txt" .\n',
    "sparql-base": "BASE <http://example.org/elsewhere/>\n",
    "sparql-base-lower": "base <http://example.org/elsewhere/>\n",
    "turtle-base": "@base <http://example.org/elsewhere/> .\n",
    "relative-base": "@base <deeper/> .\n",
    "no-space": "@prefix ex:<https://w3id.org/pmgraph/id/org/>.\n",
    "comment-in-prefix": "@prefix ex: # the organisations\n"
                         "    <https://w3id.org/pmgraph/id/org/> .\n",
    "comment-in-base": "@base # elsewhere\n    <http://example.org/elsewhere/> .\n",
    "newline-in-sparql-prefix": "PREFIX ex:\n    <https://w3id.org/pmgraph/id/org/>\n",
}


def _many(count: int, name: str) -> str:
    return "".join(
        f'ex:{name}{i} pm:partOf ex:b {BLOCK} ;\n'
        f'    pm:homepage <page{i}> {{| pm:source src:s ; pm:note :x |}} .\n'
        for i in range(count))


@pytest.mark.usefixtures("small_parts")
@pytest.mark.parametrize("later", DIRECTIVES.values(), ids=DIRECTIVES.keys())
def test_a_directive_after_the_first_part(tmp_path, caplog, later):
    text = (HEAD.replace("@prefix pm:", "@prefix : <http://example.org/empty#> .\n@prefix pm:")
            + _many(12, "n") + later + _many(12, "m") + "ex:m0 pm:homepage <page> .\n")
    _valid(text)
    path = _folder(tmp_path, text)
    _same(_fast(path, caplog), _whole(path))


ERRORS = {
    "unclosed-string": 'ex:z pm:name "unclosed .\nex:q pm:partOf ex:r .\n',
    "bad-token": "ex:z pm:partOf ex:y ex:x .\n",
    "undefined-prefix-in-block": 'ex:z pm:partOf ex:y {| pm:source nowhere:s |} .\n',
    "undefined-prefix-after-tag": 'ex:z pm:name "x"@EN-GB {| pm:source src:s ; pm:note '
                                  '"y"@De-AT , nowhere:s |} .\n',
    "bad-iri-in-block": 'ex:z pm:partOf ex:y {| ' + Q + ' ; pm:note <http://e/%zz> |} .\n',
    "bad-iri-escape-in-block": 'ex:z pm:partOf ex:y {| ' + Q + ' ; pm:note <http://e/\\u0020x> '
                               '|} .\n',
    "bad-scheme-in-block": 'ex:z pm:partOf ex:y {| pm:source <1http://x> |} .\n',
    "bad-language-in-block": 'ex:z pm:partOf ex:y {| ' + Q + ' ; pm:note "x"@a-b-cdefghijk |} .\n',
    "bad-iri-annotated": 'ex:z pm:partOf <http://e/%zz> {| ' + Q + ' |} .\n',
    "missing-object-in-block": "ex:z pm:partOf ex:y {| pm:source |} .\n",
    "literal-predicate-in-block": 'ex:z pm:partOf ex:y {| "p" src:s |} .\n',
    "lone-surrogate-in-block": 'ex:z pm:partOf ex:y {| ' + Q + ' ; pm:note "\\uD800" |} .\n',
    "empty-block": "ex:z pm:partOf ex:y {| |} .\n",
    "closing-without-opening": "ex:z pm:partOf ex:y |} .\n",
}


@pytest.mark.parametrize("error", ERRORS.values(), ids=ERRORS.keys())
def test_a_syntax_error_after_blocks_names_its_line(tmp_path, parts, error):
    before = _padded(CASES["long-double"] + CASES["comments"])
    text = before + error + "".join(f"ex:m{i} pm:partOf ex:b {BLOCK} .\n" for i in range(8))
    path = _folder(tmp_path, text)
    with pytest.raises(SyntaxError) as native:
        _valid(text)
    line = before.count("\n") + 1
    assert native.value.lineno == line  # the case's error is where it is written
    with pytest.raises(DataLoadError) as error_info:
        load_graph(path)
    message = str(error_info.value)
    assert re.search(rf"data\.ttl:{line}:{native.value.offset}: not valid Turtle", message), \
        message
