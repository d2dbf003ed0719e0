"""A server on loopback: a free port, a process started on it, and a wait for its health route.

Used by ``fplan loadtest`` (:mod:`tools.loadtest`) and by the tests that need a real server.
"""

import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager


def free_port() -> int:
    """A TCP port free on loopback now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, *, timeout_s: float, process: subprocess.Popen[bytes]) -> None:
    """Poll ``url`` until it answers 200; raise if the process exits or the time runs out."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"the server exited with code {process.returncode} before answering"
            raise RuntimeError(msg)
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    msg = f"the server did not answer {url} within {timeout_s:g} s"
    raise RuntimeError(msg)


@contextmanager
def serve_loopback(
    command: Sequence[str], *, port: int, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Run a server ``command`` (listening on ``port``) until the block ends; yield its URL."""
    process = subprocess.Popen(
        list(command), env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/api/v1/health", timeout_s=60.0, process=process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
