"""The one gunicorn configuration both benchmarked apps run under: the portal and the ceiling
(a bare Flask app), so the ratio between them measures the portal's own work.

Fixed numbers rather than derived from the machine, so that runs on the same machine compare
and the report can name them. Sized for the issue's 2 cores: two processes per core keep both
cores busy while a request waits on PostgreSQL; two threads in each let a worker keep
connections alive (wrk, like a browser, reuses them) and overlap a little more waiting.
The bind address comes from the command line (`--bind 127.0.0.1:PORT`).
"""

worker_class = "gthread"
workers = 4
threads = 2
keepalive = 5  # seconds: longer than the gap between a load tool's requests on one connection
timeout = 60  # a record PDF under full load can queue behind others for a while
graceful_timeout = 10
accesslog = None  # a log line per request would be measured too
loglevel = "warning"
