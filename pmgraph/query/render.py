"""Results as text for a terminal or a file: tables, Markdown, CSV, JSON, reports."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Sequence

from rdflib import BNode, Literal
from rdflib.namespace import XSD

from pmgraph.graph.namespaces import compact_name
from pmgraph.graph.stats import GraphStats
from pmgraph.query.library import QueryInfo, QueryResult
from pmgraph.safe import one_line, spreadsheet_safe
from pmgraph.validation.validate import Finding, Severity, ValidationReport

QUERY_FORMATS = ("table", "csv", "json", "markdown", "sparql-json")
REPORT_FORMATS = ("text", "json", "turtle")
STATS_FORMATS = ("table", "csv", "json", "markdown")
ANALYSE_FORMATS = ("table", "csv", "json", "markdown")
_MAX_CELL = 80
CUT_NOTE = (
    f"(values cut at {_MAX_CELL} characters; use --format csv or json for full values)\n"
)
NO_RESULTS = "No results.\n"
def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 entity``, ``2 entities``: ``count`` and ``word`` in the number it needs."""
    if count == 1:
        return f"{count} {word}"
    if many is None:
        many = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else (
            word + "es" if word.endswith(("s", "x", "ch", "sh")) else word + "s")
    return f"{count} {many}"


def compact(iri: str | None) -> str:
    """``iri`` as a prefixed name when a project prefix covers it (``pm:hostedBy``)."""
    return "" if iri is None else compact_name(iri)


def compact_path(path: str) -> str:
    """A finding's path with its IRIs as prefixed names: ``pm:hostedBy``, and in a property
    path ``^pm:hosts|pm:partOf`` (IRIs no prefix covers stay ``<iri>``)."""
    if not path.startswith(("<", "^", "(")):
        return compact(path)

    def name(match: re.Match) -> str:
        short = compact(match.group(1))
        return short if short != match.group(1) else match.group(0)

    return re.sub(r"<([^<>\s]+)>", name, path)


def _cell(value: str | None, limit: int | None = _MAX_CELL) -> str:
    text = one_line(" ".join(compact(value).split())) if value is not None else ""
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def table(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """A plain-text table with a header rule. Control characters are shown escaped; cells
    longer than 80 characters are cut, and a last line says so."""
    cells = [[_cell(v) for v in row] for row in rows]
    cut = any(
        v is not None and len(one_line(" ".join(compact(v).split()))) > _MAX_CELL
        for row in rows for v in row
    )
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n" + (CUT_NOTE if cut else "")


def markdown(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` in cells escaped)."""

    def esc(value: str | None) -> str:
        return _cell(value, None).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV with a header row; full IRIs and values, empty for unbound; a text cell that a
    spreadsheet would run as a formula starts with ``'`` (:func:`spreadsheet_safe`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([
        ["" if v is None else spreadsheet_safe(v) if isinstance(v, str) else v for v in row]
        for row in rows
    ])
    return out.getvalue()


def query_result(result: QueryResult, fmt: str) -> str:
    """``result`` in ``fmt`` (one of :data:`QUERY_FORMATS`); a table with no rows is the line
    ``No results.``.

    ``json``: one object per row, numbers and booleans as JSON numbers and booleans written
    with their lexical form (``"1.50"^^xsd:decimal`` as ``1.50``), a form JSON cannot write as
    a number (``"01"``, ``"+7"``, ``"1."``, ``"INF"``, a boolean ``"1"``) as a string, so that
    no term changes on output. ``sparql-json``: the W3C SPARQL 1.1 Query Results JSON format,
    each term with its type, datatype and language tag as written."""
    columns = list(result.columns())
    if fmt == "sparql-json":
        return sparql_json(result)
    if fmt == "json":
        if result.form == "ASK":
            return json.dumps({"boolean": result.boolean}) + "\n"
        return _json_records(result.rows_as_dicts())
    records = result.to_records()
    rows = [[record.get(c) for c in columns] for record in records]
    if fmt == "csv":
        return csv_text(columns, rows)
    if fmt == "markdown":
        return markdown(columns, rows)
    return table(columns, rows) if rows else NO_RESULTS


_INTEGERS = {XSD[t] for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
)}
_REALS = {XSD.decimal, XSD.double, XSD.float}
#: RFC 8259's number: what a JSON number's text may be.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class JsonNumber(str):
    """A number's lexical form that is also a JSON number's text: written as it is."""


def json_value(term: object) -> object:
    """A result term as JSON: a number whose lexical form is a JSON number's text as that
    number (:class:`JsonNumber`, its text kept), ``"true"``/``"false"`` booleans as JSON
    booleans, the rest as text (IRIs in full, literals by their lexical form)."""
    if term is None:
        return None
    if isinstance(term, Literal):
        text = str(term)
        if term.datatype in _INTEGERS or term.datatype in _REALS:
            return JsonNumber(text) if _JSON_NUMBER.fullmatch(text) else text
        if term.datatype == XSD.boolean and text in ("true", "false"):
            return text == "true"
        return text
    return str(term)


def _json_scalar(value: object) -> str:
    if isinstance(value, JsonNumber):
        return str.__str__(value)
    return json.dumps(value, ensure_ascii=False)


def _json_records(rows: Sequence[dict]) -> str:
    """``rows`` as a JSON list of objects, laid out as ``json.dumps(..., indent=2)`` does,
    numbers written with their lexical form."""
    if not rows:
        return "[]\n"
    items = []
    for row in rows:
        if not row:
            items.append("  {}")
            continue
        fields = ",\n".join(f"    {json.dumps(key, ensure_ascii=False)}: "
                            f"{_json_scalar(json_value(term))}" for key, term in row.items())
        items.append("  {\n" + fields + "\n  }")
    return "[\n" + ",\n".join(items) + "\n]\n"


def sparql_term(term: object) -> dict[str, str]:
    """A term as the W3C SPARQL 1.1 Query Results JSON format writes it."""
    if isinstance(term, Literal):
        value = {"type": "literal", "value": str(term)}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            value["datatype"] = str(term.datatype)
        return value
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    return {"type": "uri", "value": str(term)}


def sparql_json(result: QueryResult) -> str:
    """``result`` in the W3C SPARQL 1.1 Query Results JSON format, every term as written
    (lexical form, datatype, language tag). A CONSTRUCT or DESCRIBE graph is given as the
    bindings of ``subject``, ``predicate`` and ``object``."""
    if result.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    document = {
        "head": {"vars": list(result.columns())},
        "results": {"bindings": [
            {key: sparql_term(term) for key, term in row.items() if term is not None}
            for row in result.rows_as_dicts()
        ]},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def query_list(infos: Sequence[QueryInfo]) -> str:
    """The query library: name, title, parameters."""
    rows = []
    for info in infos:
        params = ", ".join(
            f"{p.name} ({p.kind}{'' if p.required else ', optional'})" for p in info.params
        )
        rows.append([info.name, info.title, params or "-"])
    return table(["name", "title", "parameters"], rows)


def _finding_line(finding: Finding) -> str:
    """One finding on one line: line breaks and control characters in the data escaped."""
    focus = (
        f"{finding.focus_label} ({finding.focus})" if finding.focus_label else finding.focus
    )
    where = f" {compact_path(finding.path)}" if finding.path else ""
    value = (
        f" [value: {_cell(finding.value, 60)}]"
        if finding.value is not None and finding.value not in finding.message
        else ""
    )
    severity = compact(finding.custom_severity) or finding.severity.name
    return one_line(f"{severity} {focus}{where}: {finding.message}") + value


def report_text(report: ValidationReport) -> str:
    """Findings grouped by severity, most severe first, then a one-line summary.

    A custom severity (an IRI other than SHACL's three) has a group of its own after the
    violations, named by its IRI, and counts as a violation in the summary's sense: the
    data does not conform.
    """
    lines: list[str] = []
    counts = {s: 0 for s in Severity}
    custom: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.custom_severity:
            custom.setdefault(finding.custom_severity, []).append(finding)
        else:
            counts[finding.severity] += 1
    groups: list[tuple[str, list[Finding]]] = []
    for severity in Severity:
        group = [f for f in report.findings
                 if f.severity is severity and not f.custom_severity]
        groups.append((f"{severity.value}s", group))
        if severity is Severity.VIOLATION:
            groups += [(compact(iri), found) for iri, found in sorted(custom.items())]
    lines += _missing_definitions(report)
    for title, group in groups:
        if not group:
            continue
        lines.append(f"{title} ({len(group)}):")
        lines += [f"  {_finding_line(f)}" for f in group]
        lines.append("")
    summary = ", ".join(
        f"{counts[s]} {s.value.lower()}{'s' if counts[s] != 1 else ''}" for s in Severity
    )
    others = sum(len(found) for found in custom.values())
    if others:
        kinds = "a custom severity" if len(custom) == 1 else "custom severities"
        summary += f", {others} of {kinds}"
    if report.conforms:
        lines.append(f"The data conforms to the shapes and checks ({summary}).")
    else:
        lines.append(f"The data does not conform: {summary}.")
    return "\n".join(lines) + "\n"


#: The check that reports a link to an IRI of the data that nothing defines.
_UNDEFINED = "undefined-link-target-violation"
#: Links to one undefined resource from which a missing data file is the likely cause.
MISSING_FILE_LINKS = 10


def _missing_definitions(report: ValidationReport) -> list[str]:
    """A first line naming the resources that many links point to but no data file defines:
    a data file left out (sources.ttl, places.ttl) gives hundreds of findings that all come
    from it, and the line says where to start."""
    undefined = Counter(
        f.value for f in report.findings
        if f.value and (f.constraint or "").endswith(_UNDEFINED)
    )
    common = [(value, n) for value, n in undefined.most_common(3) if n >= MISSING_FILE_LINKS]
    if not common:
        return []
    named = ", ".join(f"{compact(value)} ({n} links)" for value, n in common)
    verb, it = ("is", "it") if len(common) == 1 else ("are", "them")
    return [one_line(
        f"Start here: {named} {verb} linked to but defined in no data file given, and many "
        f"findings below follow from {it}; a data file may be missing from those given."), ""]


def report_json(report: ValidationReport) -> str:
    return (
        json.dumps(
            {"conforms": report.conforms, "findings": report.to_records()},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def stats_rows(stats: GraphStats) -> list[tuple[str, str, int]]:
    """The counts of ``stats`` as rows ``(section, name, count)``: the measures, then
    entities per class, then triples per property (full IRIs)."""
    rows = [
        ("measure", "triples", stats.triples),
        ("measure", "entities", stats.entities),
        ("measure", "classes", len(stats.classes)),
        ("measure", "properties", len(stats.properties)),
    ]
    rows += [("class", str(c), n) for c, n in stats.classes]
    rows += [("property", str(p), n) for p, n in stats.properties]
    return rows


def stats_text(stats: GraphStats, fmt: str = "table") -> str:
    """Counts, then entities per class and triples per property, in ``fmt`` (one of
    :data:`STATS_FORMATS`): three tables (table, markdown), one table with a ``section``
    column (csv), or one object (json)."""
    if fmt == "json":
        document = {
            "triples": stats.triples,
            "subjects": stats.subjects,
            "entities": stats.entities,
            "classes": [{"class": str(c), "entities": n} for c, n in stats.classes],
            "properties": [{"property": str(p), "triples": n} for p, n in stats.properties],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return csv_text(["section", "name", "count"], stats_rows(stats))
    write = markdown if fmt == "markdown" else table
    head = write(
        ["measure", "count"],
        [
            ["triples", str(stats.triples)],
            ["entities", str(stats.entities)],
            ["classes", str(len(stats.classes))],
            ["properties", str(len(stats.properties))],
        ],
    )
    classes = write(["class", "entities"], [[str(c), str(n)] for c, n in stats.classes])
    props = write(["property", "triples"], [[str(p), str(n)] for p, n in stats.properties])
    return f"{head}\n{classes}\n{props}"
