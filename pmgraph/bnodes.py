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
    out: dict[BNode, list[tuple[Node, Node]]] = defaultdict(list)
    ground_in: dict[BNode, list[str]] = defaultdict(list)
    blank_in: dict[BNode, list[tuple[BNode, Node]]] = defaultdict(list)
    blanks: dict[BNode, None] = {}
    for s, p, o in triples:
        if isinstance(s, BNode):
            blanks[s] = None
            out[s].append((p, o))
        if isinstance(o, BNode):
            blanks[o] = None
            if isinstance(s, BNode):
                blank_in[o].append((s, p))
            else:
                ground_in[o].append(f"{s.n3()} {p.n3()}")
    if not blanks:
        return triples

    content, tangled = _contents(blanks, out)
    names: dict[BNode, str] = {}
    if tangled:
        names.update(_tangled_names(tangled, out, ground_in, blank_in, content))
    _tree_names(blanks, out, ground_in, blank_in, content, names)
    renamed = {b: BNode(f"b{name}") for b, name in names.items()}
    return [
        (renamed.get(s, s), p, renamed.get(o, o))  # type: ignore[call-overload]
        for s, p, o in triples
    ]


def _contents(
    blanks: dict[BNode, None], out: dict[BNode, list[tuple[Node, Node]]]
) -> tuple[dict[BNode, str], set[BNode]]:
    """Bottom-up content hashes (iterative post-order), and the nodes that reach a cycle."""
    content: dict[BNode, str] = {}
    tangled: set[BNode] = set()
    state: dict[BNode, int] = {}  # 1: on the path, 2: done
    for root in blanks:
        if root in state:
            continue
        stack: list[tuple[BNode, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            edges = out.get(node, ())
            if i < len(edges):
                stack[-1] = (node, i + 1)
                child = edges[i][1]
                if isinstance(child, BNode):
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
                isinstance(o, BNode) and (o in tangled or o not in content) for _, o in edges
            ):
                tangled.add(node)
                continue
            content[node] = _digest(sorted(
                f"{p.n3()} {content[o] if isinstance(o, BNode) else o.n3()}" for p, o in edges
            ))
    return content, tangled


def _tree_names(
    blanks: dict[BNode, None],
    out: dict[BNode, list[tuple[Node, Node]]],
    ground_in: dict[BNode, list[str]],
    blank_in: dict[BNode, list[tuple[BNode, Node]]],
    content: dict[BNode, str],
    names: dict[BNode, str],
) -> None:
    """Top-down names for the nodes with a content hash, parents before children."""
    waiting = {b: sum(1 for q, _ in blank_in.get(b, ()) if q not in names) for b in content}
    ready = [b for b, n in waiting.items() if n == 0]
    while ready:
        by_label: dict[str, list[BNode]] = defaultdict(list)
        for b in ready:
            label = _digest([
                content[b],
                *sorted(ground_in.get(b, ())),
                *sorted(f"{names[q]} {p.n3()}" for q, p in blank_in.get(b, ())),
            ])
            by_label[label].append(b)
        ready = []
        for label, group in by_label.items():
            for i, b in enumerate(group):  # equal labels: interchangeable nodes
                names[b] = label if len(group) == 1 else f"{label}n{i}"
                for _, child in out.get(b, ()):
                    if isinstance(child, BNode) and child in waiting:
                        waiting[child] -= 1
                        if waiting[child] == 0:
                            ready.append(child)


def _tangled_names(
    tangled: set[BNode],
    out: dict[BNode, list[tuple[Node, Node]]],
    ground_in: dict[BNode, list[str]],
    blank_in: dict[BNode, list[tuple[BNode, Node]]],
    content: dict[BNode, str],
) -> dict[BNode, str]:
    """Names for nodes on or above a blank-node cycle: colour refinement, then numbering."""

    def term(o: Node, colours: dict[BNode, str]) -> str:
        if not isinstance(o, BNode):
            return o.n3()
        return content.get(o) or colours.get(o, "*")

    colours: dict[BNode, str] = {b: "" for b in tangled}
    for _ in range(_REFINE_ROUNDS + 1):
        colours = {
            b: _digest([
                *sorted(f"> {p.n3()} {term(o, colours)}" for p, o in out.get(b, ())),
                *sorted(ground_in.get(b, ())),
                *sorted(f"< {term(q, colours)} {p.n3()}" for q, p in blank_in.get(b, ())),
            ])
            for b in tangled
        }
    ordered = sorted(tangled, key=lambda b: (colours[b], str(b)))
    counts: dict[str, int] = defaultdict(int)
    names: dict[BNode, str] = {}
    for b in ordered:
        names[b] = f"{colours[b]}c{counts[colours[b]]}"
        counts[colours[b]] += 1
    if len(set(colours.values())) < len(tangled):
        log.info("%d blank nodes on cycles share a neighbourhood; their labels follow the "
                 "parser's names and may differ between runs", len(tangled))
    return names
