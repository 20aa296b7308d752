"""Gunicorn settings for the portal; ``gunicorn`` reads this file from the working directory by itself.

Threaded workers (``gthread``): a slow client (a phone on a bad network, or
someone trickling a request on purpose) holds one thread, not a whole worker,
so two slow clients cannot leave an instance unable to answer its health
check. Every value can be changed from the environment without editing this
file; a command-line flag still wins over both.
"""

import os
import tempfile
import time
from pathlib import Path

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

worker_class = "gthread"
#: Processes: about one per core. Each holds its own database pool (threads + a few spare connections).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
#: Requests each process serves at once; a thread waits on a slow client or the database, not the CPU.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))

#: A request still running after this many seconds is a stuck worker: it is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
#: Idle keep-alive connections are closed after this many seconds, freeing their thread's slot.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

#: Restart each worker after about this many requests: a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

#: Request lines and headers beyond these sizes are refused with 4xx before the application sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

#: The proxy in front of gunicorn may set X-Forwarded-*; the application trusts them only with TRUSTED_PROXY_HOPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

#: One line per request on standard output, with the request id the response carries (quote it to support);
#: GUNICORN_ACCESS_LOG=off turns it off.
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG") == "off" else "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


#: Metrics of every worker in one directory (prometheus-client's multiprocess mode), set before the application
#: is imported. Each instance keeps its own; PROMETHEUS_MULTIPROC_DIR names a fixed one (emptied at start).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="portal-metrics-"))


def on_starting(server):
    """Start from zero: counts left by an earlier run of this instance would be added to the new ones."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for counts in directory.glob("*.db"):
        counts.unlink(missing_ok=True)
    # Every worker reports this as the instance's start: a reader of the counts knows they began again.
    os.environ["PORTAL_INSTANCE_STARTED"] = str(time.time())


def child_exit(server, worker):
    """A worker that ended takes its live gauges (requests in flight, connections in use) with it."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
