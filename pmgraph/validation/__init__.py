"""Validation: SHACL with pyshacl or shapes compiled to SPARQL, locally or on a remote store."""
