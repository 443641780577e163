"""The audit trail: append-only, hash-chained with a key kept outside the database."""
