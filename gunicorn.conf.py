"""gunicorn settings: gevent's workers, so that each phone of a hall can keep a poll waiting."""

import multiprocessing
import os
import resource

from hhu_ranking.config import long_poll_waiters, work_threads, worker_processes
from hhu_ranking.config import worker_class as chosen_worker_class

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = worker_processes(os.environ, multiprocessing.cpu_count())
_held = long_poll_waiters(os.environ)
if chosen_worker_class(os.environ) == "gevent":
    # each request a greenlet: a phone poll held until its round opens or closes
    # (hhu_ranking.long_polls) costs a few kilobytes, and the requests that work still run
    # a few at a time, behind the app's work slots (hhu_ranking.work_slots)
    worker_class = "gevent"
    threads = work_threads(os.environ)
else:
    # gthread, its requests taking the app's work slots before they are read (long polls);
    # the threads that work (GUNICORN_THREADS), and one for each phone poll a worker may
    # hold (LONG_POLL_WAITERS): a held poll only sleeps, and threads start as needed
    worker_class = "hhu_ranking.gunicorn_worker.SlotThreadWorker"
    threads = work_threads(os.environ) + _held
# every held poll is a connection, and a phone's ballot or page may be another beside it
worker_connections = max(1000, 2 * (work_threads(os.environ) + _held) + 1000)
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
    handle_exit = worker.handle_exit

    def exit_answering_held_polls(sig, frame):  # noqa: ANN001, ANN202
        handle_exit(sig, frame)
        # imported now, not at the fork: gevent's worker patches threading after this hook
        from hhu_ranking.long_polls import end_all_waits

        end_all_waits()

    worker.handle_exit = exit_answering_held_polls
