"""The graph and its store: loading RDF exactly as written, statement evidence, source texts,
the on-disk store, counts, and synthetic graphs for benchmarks."""
