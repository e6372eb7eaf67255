"""uvicorn's supervisor of worker processes, made to drop out of a balancer cleanly."""

from __future__ import annotations

import socket

from uvicorn.supervisors import Multiprocess


class Supervisor(Multiprocess):
    """Closes its copy of the listening socket before telling the workers to stop: once they
    have closed theirs (uvicorn's shutdown does first), a new connection is refused, and a
    balancer tries another instance, instead of waiting in a socket nobody accepts from until
    the workers have finished, then being reset, its request lost."""

    sockets: list[socket.socket]

    def terminate_all(self) -> None:
        for listening in self.sockets:
            listening.close()
        super().terminate_all()
