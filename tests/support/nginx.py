"""Debian's nginx as the balancer in front of several ``byom serve`` instances: our own process
(``daemon off``), its configuration, logs and temp files in a directory of the test's.

Round robin over the instances. A request whose instance refused the connection, reset it
before answering or timed out connecting goes to the next one (``proxy_next_upstream error
timeout``): nginx does that for a POST only when the request was never sent, which is what
an instance that stopped accepting (and finishes what it accepted) causes. Streams pass
through unbuffered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.live_server import free_port

NGINX = "/usr/sbin/nginx"

CONFIG = """\
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
  log_format upstreams '$request_method $uri $status upstream=$upstream_addr '
                       'upstream_status=$upstream_status time=$request_time';
  access_log {dir}/access.log upstreams;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream byom {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 1m;
    location / {{
      proxy_pass http://byom;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
      proxy_buffering off;
    }}
  }}
}}
"""


@dataclass
class Nginx:
    process: subprocess.Popen[bytes]
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def access_log(self) -> list[str]:
        return (self.directory / "access.log").read_text().splitlines()

    def error_log(self) -> str:
        return (self.directory / "error.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_nginx(instance_ports: Sequence[int], directory: Path) -> Nginx:
    """nginx on a free port, round robin over ``instance_ports``; returns once it answers."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    servers = "\n".join(
        # max_fails=0: never mark an instance down (a refused connect costs nothing and moves
        # on); with max_fails=1 a rolling restart left moments with "no live upstreams" (502).
        f"    server 127.0.0.1:{p} max_fails=0;"
        for p in instance_ports
    )
    # As root, nginx's workers would switch to an account that cannot write our temp files.
    user = "user root;" if os.geteuid() == 0 else ""
    config = directory / "nginx.conf"
    config.write_text(CONFIG.format(dir=directory, servers=servers, port=port, user=user))
    command = [NGINX, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")]
    with (directory / "stdout.log").open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    nginx = Nginx(process, port, directory)
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}: {nginx.error_log()}")
        try:
            httpx.get(f"{nginx.url}/health/live", timeout=1)
            return nginx
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                nginx.stop()
                raise
            time.sleep(0.05)


@contextmanager
def balanced(instance_ports: Sequence[int], directory: Path) -> Iterator[Nginx]:
    nginx = start_nginx(instance_ports, directory)
    try:
        yield nginx
    finally:
        nginx.stop()
