"""Attack suites (issue 8): forged requests, headers, session replay, XSS, fuzzing, bandit."""
