"""A loopback TCP forwarder that tests stop and start to make a server "go down" (PostgreSQL
for the lead store in tests/leads and tests/faults)."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable


class TcpProxy:
    """A loopback TCP forwarder we can stop (the database "goes down") and start again.

    Stopping closes the listening socket and every forwarded connection, so clients see
    exactly what a crashed or unreachable database server looks like.
    """

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        # Called with every chunk a client sends, before it is passed on (to act "mid-request").
        self.on_forward: Callable[[bytes], None] | None = None
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        # Cleared while stalled: connections stay open, nothing flows (a hung server).
        self._flowing = threading.Event()
        self._flowing.set()
        self.held_chunks = 0  # chunks that arrived while stalled

    def stall(self) -> None:
        """The server hangs: connections are accepted and kept, no byte goes through
        (either way) until resume(). Clients see timeouts, not refusals."""
        self.held_chunks = 0
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.1)
        self._listener = listener
        self._stopped = threading.Event()
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._accepting is not None:
            self._accepting.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopped.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink, spy in (
                (client, upstream, self._spy),
                (upstream, client, self._gate),
            ):
                threading.Thread(target=_pump, args=(source, sink, spy), daemon=True).start()

    def _spy(self, data: bytes) -> None:
        if self.on_forward is not None:
            self.on_forward(data)
        self._gate(data)

    def _gate(self, data: bytes) -> None:
        if not self._flowing.is_set():
            self.held_chunks += 1
            self._flowing.wait()


def _pump(
    source: socket.socket, sink: socket.socket, spy: Callable[[bytes], None] | None = None
) -> None:
    try:
        while data := source.recv(65536):
            if spy is not None:
                spy(data)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
