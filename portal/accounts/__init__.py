"""Staff accounts: roles, passwords, one-time set-up links."""
