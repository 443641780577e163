"""Pages for a signed-in client."""
