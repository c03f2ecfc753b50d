"""gunicorn settings. Threads suit the many short polling requests of a live session."""

import multiprocessing
import os
import resource

from hhu_ranking.config import long_poll_waiters, work_threads

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
# gthread, its requests taking the app's work slots before they are read (long polls)
worker_class = "hhu_ranking.gunicorn_worker.SlotThreadWorker"
# the threads that work (GUNICORN_THREADS), and one for each phone poll a worker may hold
# while it waits for its round to open or close (LONG_POLL_WAITERS; hhu_ranking.long_polls):
# a held poll only sleeps, and threads are started as they are needed
threads = work_threads(os.environ) + long_poll_waiters(os.environ)
# every held poll is a connection, and a phone's ballot or page may be another beside it
worker_connections = max(1000, 2 * threads + 1000)
# each connection is a file: raise the soft limit to what worker_connections needs, within
# the hard limit (the soft one is often 1,024, which a hall of held polls would run out of)
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_wanted = worker_connections + 200
if _soft != resource.RLIM_INFINITY and _soft < _wanted:
    _raised = _wanted if _hard == resource.RLIM_INFINITY else min(_wanted, _hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (_raised, _hard))
timeout = 60
graceful_timeout = 20
keepalive = 5
# no access log unless asked for: at a festival it costs a tenth of the server's time, and
# it would keep every participant's address and join link (ACCESS_LOG=- writes to stdout)
accesslog = os.environ.get("ACCESS_LOG") or None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):  # noqa: ANN001, ARG001 (gunicorn's hook)
    """A worker told to stop (SIGTERM: a restart, a deploy) answers its held polls at once
    instead of holding its exit for them until graceful_timeout; its phones ask again."""
    from hhu_ranking.long_polls import end_all_waits

    handle_exit = worker.handle_exit

    def exit_answering_held_polls(sig, frame):  # noqa: ANN001, ANN202
        handle_exit(sig, frame)
        end_all_waits()

    worker.handle_exit = exit_answering_held_polls
