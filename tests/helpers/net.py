"""Loopback networking for the servers tests start (SMTP, HTTPS identity, `ilacs serve`)."""

import socket


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
