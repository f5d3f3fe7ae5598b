"""Results as text for a terminal or a file: tables, Markdown, CSV, JSON, reports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from pmgraph.namespaces import PREFIXES
from pmgraph.queries import QueryInfo, QueryResult
from pmgraph.stats import GraphStats
from pmgraph.validate import Finding, Severity, ValidationReport

QUERY_FORMATS = ("table", "csv", "json", "markdown")
REPORT_FORMATS = ("text", "json", "turtle")
_MAX_CELL = 80
_NAMESPACES = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def compact(iri: str | None) -> str:
    """``iri`` as a prefixed name when a project prefix covers it (``pm:hostedBy``)."""
    if iri is None:
        return ""
    for prefix, namespace in _NAMESPACES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _cell(value: str | None, limit: int | None = _MAX_CELL) -> str:
    text = " ".join(compact(value).split()) if value is not None else ""
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def table(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """A plain-text table with a header rule; long cells are shortened."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines) + "\n"


def markdown(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` in cells escaped)."""

    def esc(value: str | None) -> str:
        return _cell(value, None).replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> str:
    """CSV with a header row; full IRIs and values, empty for unbound."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def query_result(result: QueryResult, fmt: str) -> str:
    """``result`` in ``fmt`` (one of :data:`QUERY_FORMATS`)."""
    columns = list(result.columns())
    records = result.to_records()
    if fmt == "json":
        if result.form == "ASK":
            return json.dumps({"boolean": result.boolean}) + "\n"
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    rows = [[record.get(c) for c in columns] for record in records]
    if fmt == "csv":
        return csv_text(columns, rows)
    if fmt == "markdown":
        return markdown(columns, rows)
    return table(columns, rows)


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
    focus = (
        f"{finding.focus_label} ({finding.focus})" if finding.focus_label else finding.focus
    )
    where = f" {compact(finding.path)}" if finding.path else ""
    value = (
        f" [value: {_cell(finding.value, 60)}]"
        if finding.value is not None and finding.value not in finding.message
        else ""
    )
    severity = compact(finding.custom_severity) or finding.severity.name
    return f"{severity} {focus}{where}: {finding.message}{value}"


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


def report_json(report: ValidationReport) -> str:
    return (
        json.dumps(
            {"conforms": report.conforms, "findings": report.to_records()},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def stats_text(stats: GraphStats) -> str:
    """Counts, then entities per class and triples per property, as tables."""
    head = table(
        ["measure", "count"],
        [
            ["triples", str(stats.triples)],
            ["entities", str(stats.entities)],
            ["classes", str(len(stats.classes))],
            ["properties", str(len(stats.properties))],
        ],
    )
    classes = table(["class", "entities"], [[str(c), str(n)] for c, n in stats.classes])
    props = table(["property", "triples"], [[str(p), str(n)] for p, n in stats.properties])
    return f"{head}\n{classes}\n{props}"
