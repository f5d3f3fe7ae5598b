"""Publishing: exports, the build folder, the VoID/DCAT description, push to a SPARQL
store, serve."""
