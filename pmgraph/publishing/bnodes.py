"""Blank-node labels that depend on the data, not on the parser, in time linear in the graph.

A parser gives blank nodes fresh random names, so the same file would be written with other
names each time. :func:`label_blank_nodes` names each blank node by what it holds and where
it hangs instead:

1. bottom up, a node's *content* is a hash of its outgoing triples, a blank object standing
   for its own content (a Merkle hash: one pass in post-order);
2. top down, its *label* is a hash of its content, the IRIs and literals that point at it,
   and the labels of the blank nodes that point at it. Nodes that still share a label hang
   from the same places and hold the same content, so they can be swapped without changing
   the graph; they are numbered in any order and the written bytes are the same.

Turtle's ``[ ... ]``, RDF lists and OWL axioms are trees and always get the same labels.
Blank nodes that lie on (or lead to) a cycle of blank nodes, which only explicit ``_:x`` names
can write, are named from their neighbourhood (two rounds of colour refinement); where that
leaves a tie, the numbering follows the parser's names and may differ between runs. Every
step is a pass over the triples, so 200,000 nested blank nodes take about a second.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable

from rdflib import BNode
from rdflib.term import Node

log = logging.getLogger(__name__)

Triple = tuple[Node, Node, Node]
_REFINE_ROUNDS = 2


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.blake2b(digest_size=12)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def label_blank_nodes(triples: Iterable[Triple]) -> list[Triple]:
    """``triples`` with every blank node renamed by its content and place (see module doc).

    The result is isomorphic to the input; the same graph, parsed again, gives the same
    names unless its blank nodes form cycles (then see the module doc).
    """
    triples = list(triples)
    # Keyed by plain strings: rdflib's term equality is slow Python code.
    out: dict[str, list[tuple[Node, str | None, str]]] = defaultdict(list)
    ground_in: dict[str, list[str]] = defaultdict(list)
    blank_in: dict[str, list[tuple[str, str]]] = defaultdict(list)
    blanks: dict[str, None] = {}
    n3: dict[Node, str] = {}
    for s, p, o in triples:
        pred = n3.get(p) or n3.setdefault(p, p.n3())
        if isinstance(o, BNode):
            child: str | None = str(o)
            blanks[child] = None
            if isinstance(s, BNode):
                blank_in[child].append((str(s), pred))
            else:
                ground_in[child].append(f"{s.n3()} {pred}")
        else:
            child = None
        if isinstance(s, BNode):
            subject = str(s)
            blanks[subject] = None
            out[subject].append((pred, child, o.n3() if child is None else ""))
    if not blanks:
        return triples

    content, tangled = _contents(blanks, out)
    names: dict[str, str] = {}
    if tangled:
        names.update(_tangled_names(tangled, out, ground_in, blank_in, content))
    _tree_names(out, ground_in, blank_in, content, names)
    renamed = {b: BNode(f"b{name}") for b, name in names.items()}
    return [
        (
            renamed[str(s)] if isinstance(s, BNode) else s,
            p,
            renamed[str(o)] if isinstance(o, BNode) else o,
        )
        for s, p, o in triples
    ]


def _contents(
    blanks: dict[str, None], out: dict[str, list[tuple[str, str | None, str]]]
) -> tuple[dict[str, str], set[str]]:
    """Bottom-up content hashes (iterative post-order), and the nodes that reach a cycle."""
    content: dict[str, str] = {}
    tangled: set[str] = set()
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for root in blanks:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            edges = out.get(node, ())
            if i < len(edges):
                stack[-1] = (node, i + 1)
                child = edges[i][1]
                if child is not None:
                    seen = state.get(child)
                    if seen is None:
                        state[child] = 1
                        stack.append((child, 0))
                    elif seen == 1:  # a cycle: every node on the path down to it reaches it
                        tangled.add(child)
                continue
            stack.pop()
            state[node] = 2
            if node in tangled or any(
                c is not None and (c in tangled or c not in content) for _, c, _ in edges
            ):
                tangled.add(node)
                continue
            content[node] = _digest(sorted(
                f"{p} {term if c is None else content[c]}" for p, c, term in edges
            ))
    return content, tangled


def _tree_names(
    out: dict[str, list[tuple[str, str | None, str]]],
    ground_in: dict[str, list[str]],
    blank_in: dict[str, list[tuple[str, str]]],
    content: dict[str, str],
    names: dict[str, str],
) -> None:
    """Top-down names for the nodes with a content hash, parents before children."""
    waiting = {b: sum(1 for q, _ in blank_in.get(b, ()) if q not in names) for b in content}
    ready = [b for b, n in waiting.items() if n == 0]
    while ready:
        by_label: dict[str, list[str]] = defaultdict(list)
        for b in ready:
            label = _digest([
                content[b],
                *sorted(ground_in.get(b, ())),
                *sorted(f"{names[q]} {p}" for q, p in blank_in.get(b, ())),
            ])
            by_label[label].append(b)
        ready = []
        for label, group in by_label.items():
            for i, b in enumerate(group):  # equal labels: interchangeable nodes
                names[b] = label if len(group) == 1 else f"{label}n{i}"
                for _, child, _ in out.get(b, ()):
                    if child is not None and child in waiting:
                        waiting[child] -= 1
                        if waiting[child] == 0:
                            ready.append(child)


def _tangled_names(
    tangled: set[str],
    out: dict[str, list[tuple[str, str | None, str]]],
    ground_in: dict[str, list[str]],
    blank_in: dict[str, list[tuple[str, str]]],
    content: dict[str, str],
) -> dict[str, str]:
    """Names for nodes on or above a blank-node cycle: colour refinement, then numbering."""

    def blank(b: str, colours: dict[str, str]) -> str:
        return content.get(b) or colours.get(b, "*")

    colours: dict[str, str] = {b: "" for b in tangled}
    for _ in range(_REFINE_ROUNDS + 1):
        colours = {
            b: _digest([
                *sorted(f"> {p} {term if c is None else blank(c, colours)}"
                        for p, c, term in out.get(b, ())),
                *sorted(ground_in.get(b, ())),
                *sorted(f"< {blank(q, colours)} {p}" for q, p in blank_in.get(b, ())),
            ])
            for b in tangled
        }
    ordered = sorted(tangled, key=lambda b: (colours[b], b))
    counts: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for b in ordered:
        names[b] = f"{colours[b]}c{counts[colours[b]]}"
        counts[colours[b]] += 1
    if len(set(colours.values())) < len(tangled):
        log.info("%d blank nodes on cycles share a neighbourhood; their labels follow the "
                 "parser's names and may differ between runs", len(tangled))
    return names
