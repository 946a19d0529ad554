"""Work done in a forked process: its result comes back, it cannot touch the database, and it never forks unsafely."""

import logging
import os
import threading

import pytest

from disorders.models import Disorder
from encyclopedia import workers
from tests.factories import make_disorder


def child_of(parent):
    return os.getpid(), os.getppid() == parent


def titles():
    return sorted(Disorder.objects.values_list("title", flat=True))


def failing():
    raise ValueError("no such sign")


def test_the_result_comes_back_from_another_process(forking):
    work = workers.forked(child_of, os.getpid())

    pid, parent_is_us = work.result()
    assert pid != os.getpid() and parent_is_us
    assert forking == [pid]


@pytest.mark.django_db
def test_a_query_in_the_worker_is_refused_and_the_work_done_here_instead(forking, caplog):
    make_disorder("Marfan syndrome")

    with caplog.at_level(logging.WARNING, logger="encyclopedia.workers"):
        result = workers.forked(titles).result()

    assert result == ["Marfan syndrome"]  # from this process: the parent's connection and transaction
    assert len(forking) == 1
    assert "a forked worker must not query the database" in caplog.text
    assert Disorder.objects.count() == 1  # the parent's connection still works


def test_an_error_in_the_worker_is_raised_here(forking, caplog):
    work = workers.forked(failing)

    with caplog.at_level(logging.WARNING, logger="encyclopedia.workers"), pytest.raises(ValueError, match="no such"):
        work.result()
    assert "ValueError: no such sign" in caplog.text  # the worker's own traceback, logged


def test_with_another_thread_running_nothing_forks():
    started, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: (started.set(), stop.wait()))
    thread.start()
    try:
        started.wait()
        assert not workers.can_fork()
        pid, _ = workers.forked(child_of, os.getpid()).result()
    finally:
        stop.set()
        thread.join()
    assert pid == os.getpid()


def test_abandoned_work_ends_and_is_reaped(forking):
    workers.forked(os.urandom, 1 << 20).abandon()  # a result larger than the pipe holds: its write fails

    with pytest.raises(ChildProcessError):
        os.waitpid(forking[0], os.WNOHANG)  # no such child left, not even a zombie
