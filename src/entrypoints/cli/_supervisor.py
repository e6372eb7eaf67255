"""uvicorn's supervisor of worker processes, made to drop out of a balancer cleanly and to start
its workers from the app it has imported once."""

from __future__ import annotations

import gc
import logging
import multiprocessing
import signal
import socket
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from uvicorn._subprocess import subprocess_started
from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import SIGNALS, Multiprocess, Process

_FORK = multiprocessing.get_context("fork")
logger = logging.getLogger("uvicorn.error")  # where uvicorn says its app could not be loaded


class Supervisor(Multiprocess):
    """uvicorn's, with two changes.

    Its workers are forked from it once it has imported the app's module, where uvicorn spawns
    each in a new interpreter that imports everything again, the second worker on a core the
    first one needs: with two workers the service answered 0.2-0.3 s later than with one (issue
    15). Only the module is imported here (and its factory found: an app that cannot be
    imported stops it as it stops uvicorn, logged, with code 3); each worker still makes its
    own app, container and connections (uvicorn's app factory). A replacement (a worker that
    died, SIGHUP, SIGTTIN) is uvicorn's own, spawned, as every worker was before, and so are
    all of them with ``fork=False`` (a supervisor that loaded what its workers must not hold).

    It closes its copy of the listening socket before telling the workers to stop: once they
    have closed theirs (uvicorn's shutdown does first), a new connection is refused, and a
    balancer tries another instance, instead of waiting in a socket nobody accepts from until
    the workers have finished, then being reset, its request lost."""

    sockets: list[socket.socket]

    def __init__(self, config: Config, sockets: list[socket.socket], *, fork: bool = True) -> None:
        super().__init__(config, sockets)
        self.fork = fork

    def init_processes(self) -> None:
        if not self.fork:
            gc.enable()  # off while ``byom serve`` started (serve.py); spawned workers start anew
            super().init_processes()
            return
        _import_app(self.config)
        # What the workers inherit stays out of their collectors' reach: a collection walking
        # it writes to each object's header, and each page it touches is a worker's own copy.
        gc.freeze()
        for _ in range(self.processes_num):
            worker = ForkedWorker(self.config, self.sockets, siblings=tuple(self.processes))
            worker.start()
            self.processes.append(worker)
        # The workers inherited the collector off and turn it on once ready; this process
        # supervises from here, for as long as the service runs.
        gc.enable()

    def terminate_all(self) -> None:
        for listening in self.sockets:
            listening.close()
        super().terminate_all()


def _import_app(config: Config) -> None:
    """The app's module and factory, as uvicorn finds them in a worker (``Config.load_app``:
    one it cannot find is logged and ends the process with code 3, which stops the supervisor
    too). Any other failure of the import (a syntax error, a missing dependency, an error
    raised at import) ends it the same way, with its traceback logged: uvicorn's spawned
    workers would each die of it, and be replaced, again and again."""
    try:
        config.load_app()
    except Exception:
        logger.exception("Error loading ASGI app.")
        sys.exit(STARTUP_FAILURE)


class ForkedWorker(Process):
    """uvicorn's worker process (its health pings, its server), forked instead of spawned.

    The fork hands it every descriptor of the supervisor, among them the ends of the health
    pipes (uvicorn's ping/pong socket pairs) of the ``siblings`` forked before it and the
    supervisor's end of its own: it closes them as it starts, where a spawned worker never had
    them. Otherwise each would stay open for the worker's life, a dead sibling's pipe never
    freed, and nothing but the supervisor and its own worker should hold a pipe's ends."""

    def __init__(
        self, config: Config, sockets: list[socket.socket], *, siblings: Sequence[Process] = ()
    ) -> None:
        super().__init__(config, sockets)  # its spawn process is never started
        not_ours = [self.parent_conn]
        not_ours += [
            end for sibling in siblings for end in (sibling.parent_conn, sibling.child_conn)
        ]
        arguments = {"config": config, "target": self.target, "sockets": sockets}
        self.process = _FORK.Process(  # type: ignore[assignment]
            target=_start_worker, args=(not_ours,), kwargs=arguments
        )


def _start_worker(not_ours: Sequence[Connection], **arguments: Any) -> None:
    for end in not_ours:
        end.close()
    # The supervisor's signal handlers (uvicorn queues each signal for its loop) came with the
    # fork. A worker starts with Python's own, as a spawned one does: uvicorn's server restores
    # them when it has stopped and raises the signal it stopped on again, to end by it.
    for number in SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    subprocess_started(**arguments, stdin_fileno=None)
