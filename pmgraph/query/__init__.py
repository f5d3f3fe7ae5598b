"""Queries: the query library, reading SPARQL, bounded local runs on Oxigraph, remote endpoints,
and results as text."""
