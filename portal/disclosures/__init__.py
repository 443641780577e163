"""The disclosure register: what left the HMIS, to whom and why, as the client can see it."""
