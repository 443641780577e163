"""The HMIS lead's audit browser (`audit_browser.<page>` under /staff/audit): filtering, reading
and downloading the audit trail and checking its chain. The trail itself (chain, models,
services, verification) is the ground's: portal/audit."""
