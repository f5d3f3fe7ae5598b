"""Network analysis: the graph as a networkx network, and analyses of it as records."""
