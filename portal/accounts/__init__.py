"""Staff accounts: roles, passwords, set-up links, sign-in, the End User Policy, and
administrators managing the accounts of the staff they are responsible for."""
