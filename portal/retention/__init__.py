"""The retention schedule and the purge that keeps a de-identified stub."""
