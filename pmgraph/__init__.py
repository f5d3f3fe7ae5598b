"""pmgraph: a knowledge graph of the UK precision-medicine ecosystem."""

__version__ = "0.1.0"
