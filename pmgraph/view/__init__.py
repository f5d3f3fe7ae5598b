"""The HTML network view: positions, search ranking and nations, and the offline page."""
