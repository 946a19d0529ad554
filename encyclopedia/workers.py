"""Pure-Python work done beside the caller, in a forked process, on machines with a core to spare.

A published import spends a third of its time building reader documents from rows it has already
fetched: CPU in templates and Markdown, no database. A forked child has those rows already (the
parent's memory, copied on write), so it can build them while the parent goes on writing, and hand
back only the result.
"""

import gc
import logging
import os
import pickle
import threading
import traceback

from django.db import connections

logger = logging.getLogger(__name__)


class QueryInWorker(RuntimeError):
    """A worker tried to use a database connection: it shares the parent's socket, and the parent's transaction."""


def _refuse_query(execute, sql, params, many, context):
    raise QueryInWorker(f"a forked worker must not query the database: {sql[:200]}")


def can_fork():
    """Whether forking is safe: a POSIX system, and no other thread (a lock it holds would stay held in the child)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def forked(function, *args):
    """Start ``function(*args)`` in a forked child; returns a :class:`Forked` to wait for its result.

    ``function`` must not touch the database (the child refuses any query) and its result must pickle.
    Without :func:`can_fork` it runs here and now. If the child fails, :meth:`Forked.result` runs
    ``function`` again in this process, after logging why, so an error is raised where it can be handled.
    """
    if not can_fork():
        return Forked(function, args, value=function(*args))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _run_child(write_end, function, args)
    os.close(write_end)
    return Forked(function, args, pid=pid, pipe=os.fdopen(read_end, "rb"))


class Forked:
    """The work :func:`forked` started: ``result()`` once, or ``abandon()`` it."""

    def __init__(self, function, args, *, value=None, pid=None, pipe=None):
        self.function, self.args, self.value, self.pid, self.pipe = function, args, value, pid, pipe

    def result(self):
        if self.pid is None:
            return self.value
        with self.pipe:
            data = self.pipe.read()
        os.waitpid(self.pid, 0)
        outcome, value = pickle.loads(data) if data else ("failed", "the worker ended without a result")
        if outcome == "done":
            return value
        logger.warning("A forked worker failed; running %s in this process instead:\n%s", self.function.__name__, value)
        return self.function(*self.args)

    def abandon(self):
        """Stop waiting: the child's result goes unread (its write fails and it ends), and it is reaped."""
        if self.pid is not None:
            self.pipe.close()
            os.waitpid(self.pid, 0)


def _run_child(write_end, function, args):
    """The child's whole life: run, send (outcome, value) down the pipe, and leave without running any exit handler
    (they would close the parent's database connection and flush its buffers a second time)."""
    try:
        gc.disable()  # a short life: collecting would only copy the parent's pages
        for connection in connections.all(initialized_only=True):
            connection.execute_wrappers.append(_refuse_query)
        try:
            message = ("done", function(*args))
        except BaseException:
            message = ("failed", traceback.format_exc())
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(0)
