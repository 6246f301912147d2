"""Pyro4 set-up shared by the nameserver, the master and the workers: serializer, shared secret, addresses.

hpbandster 0.7.4 talks through Pyro4. Two facts shape this module:

* Under Pyro4's default ``serpent`` serializer, hpbandster with numpy 2 and ConfigSpace 1.x hangs
  silently (its one-way calls swallow the serialisation errors), so every process uses ``pickle``.
  :func:`configure` must run before any Pyro object exists.
* Pickle runs code when it loads, so nothing listens on a non-loopback address without a shared
  secret. Pyro4 4.82 has no process-wide ``HMAC_KEY`` any more, only per-proxy and per-daemon
  ``_pyroHmacKey``; :func:`configure` makes every proxy and daemon of the process (including those
  hpbandster creates) fall back to the secret, and keeps it out of pickled proxies. Messages
  without the right HMAC are refused before they are unpickled.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
import socket
import threading
import time
from pathlib import Path
from typing import Any

import Pyro4
import Pyro4.core
import Pyro4.errors
import Pyro4.naming

from learna.errors import ConfigError, LearnaError

_secret: bytes | None = None
_patched = False


def configure(secret: bytes | None) -> None:
    """Pickle serializer and the shared ``secret`` (None: no HMAC) for every Pyro object of this process."""
    global _secret
    Pyro4.config.SERIALIZER = "pickle"
    Pyro4.config.SERIALIZERS_ACCEPTED = set(Pyro4.config.SERIALIZERS_ACCEPTED) | {"pickle"}
    _secret = secret
    _patch_hmac()


def _patch_hmac() -> None:
    global _patched
    if _patched:
        return
    for cls in (Pyro4.core.Proxy, Pyro4.core.Daemon):
        prop = cls.__dict__["_pyroHmacKey"]
        cls._pyroHmacKey = property(lambda self, _get=prop.fget: _get(self) or _secret, prop.fset, doc=prop.__doc__)
    proxy = Pyro4.core.Proxy
    for name, slot in (("__getstate__", 5), ("__getstate_for_dict__", 5)):
        original = getattr(proxy, name)

        def without_secret(self, _original=original, _slot=slot):
            state = _original(self)
            return state[:_slot] + (None,) + state[_slot + 1:]  # never send the secret inside a message

        setattr(proxy, name, without_secret)
    _patched = True


def read_secret(path: str | Path | None) -> bytes | None:
    """The shared secret in ``path`` (surrounding whitespace removed), None without a path."""
    if path is None:
        return None
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the secret file {path}: {exc.strerror or exc}") from None
    if len(secret) < 8:
        raise ConfigError(f"the secret in {path} is shorter than 8 bytes; put a long random string in it")
    return secret


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_secret(host: str, secret: bytes | None, what: str = "listening") -> None:
    """Refuse to listen on (or talk to) a non-loopback ``host`` without a shared secret."""
    if secret is None and not is_loopback(host):
        raise ConfigError(f"{what} on {host} needs a shared secret (pickle runs code when it loads): "
                          "pass --secret-file FILE, the same file on every host")


def parse_address(address: str, default_port: int = 9090) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``) → (host, port)."""
    host, sep, port = address.rpartition(":")
    if not sep:
        host, port = address, str(default_port)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"bad address {address!r}: expected HOST:PORT, e.g. 10.0.0.1:9090")
    return host.strip("[]"), int(port)


def advertised_address(host: str, advertise: str | None) -> str | None:
    """The address other hosts reach this one at, when binding to the wildcard ``host`` (else None).

    A daemon bound to 0.0.0.0 would register URIs with 0.0.0.0 in them; Pyro's NAT setting makes it
    register the advertised address instead.
    """
    if host not in ("0.0.0.0", "::", ""):
        return advertise
    if advertise:
        return advertise
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        address = "127.0.0.1"
    if is_loopback(address):
        raise ConfigError(f"cannot tell which address workers reach this host at ({socket.gethostname()} "
                          f"resolves to {address}): pass --advertise ADDR")
    return address


def local_address_towards(host: str, port: int) -> str:
    """This host's address on the route to ``host`` (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((host, port))
            return probe.getsockname()[0]
    except OSError as exc:
        raise LearnaError(f"no route to the nameserver at {host}:{port}: {exc.strerror or exc}") from None


class NameServer:
    """A Pyro4 nameserver in a thread of this process, publishing the run's settings to workers."""

    def __init__(self, host: str, port: int, run_id: str, settings: dict[str, Any]):
        try:
            _, self.daemon, _ = Pyro4.naming.startNS(host=host, port=port, enableBroadcast=False, hmac=_secret)
        except OSError as exc:
            raise LearnaError(f"cannot start the nameserver on {host}:{port}: {exc.strerror or exc}") from None
        self.host, port_text = self.daemon.locationStr.rsplit(":", 1)
        self.port = int(port_text)
        published = PublishedSettings(settings)
        self.daemon.nameserver.register(settings_name(run_id), self.daemon.register(published, settings_name(run_id)))
        self.thread = threading.Thread(target=self.daemon.requestLoop, name="learna-nameserver", daemon=True)
        self.thread.start()

    def shutdown(self) -> None:
        self.daemon.shutdown()
        self.thread.join(timeout=10)


@Pyro4.expose
class PublishedSettings:
    def __init__(self, settings: dict[str, Any]):
        self._settings = settings

    def get(self) -> dict[str, Any]:
        return self._settings


def settings_name(run_id: str) -> str:
    return f"learna.run_{run_id}.settings"


def fetch_settings(host: str, port: int, run_id: str, timeout: float) -> dict[str, Any]:
    """The run's settings from the nameserver at host:port, retrying for ``timeout`` seconds.

    A refused secret fails at once; an unreachable nameserver or a run that is not published yet
    fails after ``timeout`` with a message saying which.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with Pyro4.locateNS(host=host, port=port, broadcast=False) as ns:
                uri = ns.lookup(settings_name(run_id))
            with Pyro4.core.Proxy(uri) as published:
                return published.get()
        except Pyro4.errors.PyroError as exc:
            if _refused(exc):
                raise LearnaError(f"the nameserver at {host}:{port} refused the connection: the secret does not "
                                  "match the master's (give the master's --secret-file, or none if it has none)") from None
            problem = (f"no run {run_id!r} is published at the nameserver {host}:{port}"
                       if "unknown name" in str(exc) else f"cannot reach the nameserver at {host}:{port}")
        if time.monotonic() >= deadline:
            raise LearnaError(f"{problem} (gave up after {timeout:g} s)")
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _refused(exc: BaseException | None) -> bool:
    """True if a Pyro error was caused by a missing or wrong HMAC secret (on either side)."""
    while exc is not None:
        if isinstance(exc, Pyro4.errors.SecurityError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def ping_nameserver(host: str, port: int, timeout: float = 5.0) -> bool:
    """True if something accepts connections at the nameserver's address within ``timeout`` seconds."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (it may be swapped, e.g. by click's test runner)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure_logging(level: int = logging.INFO) -> None:
    """Progress of the run (``learna.hpo``) at ``level`` and hpbandster's warnings on stderr."""
    for name, logger_level in (("learna.hpo", level), ("hpbandster", logging.WARNING),
                               ("learna.hpo.worker", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(logger_level)
        logger.propagate = name == "learna.hpo.worker"
        if name != "learna.hpo.worker" and not any(isinstance(h, _StderrHandler) for h in logger.handlers):
            handler = _StderrHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))
            logger.addHandler(handler)
