"""Written consents: versioned forms, signed in the portal or on paper, with a lifecycle."""
