"""Pages anyone may open: the start page and the health check."""
