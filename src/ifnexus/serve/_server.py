"""Serve the designer: check the address first, then run the app under uvicorn.

A port in use is found before anything starts, by binding a socket to the address (as the
server would), so the command can end with one line naming the port; uvicorn (Shiny's server)
would otherwise log the failure and exit after start-up.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import threading
import time
import webbrowser
from collections.abc import Iterator

from ifnexus.errors import IfnexusError, ValidationError

__all__ = ["check_address", "running_app", "serve"]

log = logging.getLogger(__name__)


def check_address(host: str, port: int) -> None:
    """Check that the designer can listen on ``host:port``.

    Parameters
    ----------
    host
        The interface to listen on (``127.0.0.1``: this machine only).
    port
        The TCP port (1-65535).

    Raises
    ------
    ValidationError
        A port outside 1-65535, a port in use, a host that does not resolve or is not an
        address of this machine, or a port this user may not open; the message names the
        option and the value.
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValidationError(f"--port must be in 1-65535, got {port!r}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ValidationError(f"--host {host!r} cannot be resolved ({exc.strerror})") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        # as uvicorn does: SO_REUSEADDR lets a port in TIME_WAIT be reused, not one listened on
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ValidationError(
                    f"--port {port}: the port is in use on {host} (another server is "
                    "listening); choose another with --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise ValidationError(
                    f"--port {port}: permission denied on {host} (ports below 1024 need "
                    "privileges); choose another with --port"
                ) from None
            raise ValidationError(
                f"--host {host!r} --port {port}: cannot listen there ({exc.strerror})"
            ) from None


def serve(host: str = "127.0.0.1", port: int = 8050, *, launch_browser: bool = True) -> None:
    """Serve the trial designer until interrupted (``ifnexus serve``).

    Parameters
    ----------
    host
        Interface to listen on; the default, ``127.0.0.1``, accepts connections from this
        machine only.
    port
        TCP port.
    launch_browser
        Open the page in the default web browser once the server listens.

    Raises
    ------
    ValidationError
        The address cannot be listened on (:func:`check_address`), before anything starts.
    MissingDependencyError
        Without the ``serve`` extra.
    """
    from ifnexus._optional import import_optional
    from ifnexus.serve._app import create_app

    check_address(host, port)
    uvicorn = import_optional("uvicorn", extra="serve", purpose="ifnexus serve")
    app = create_app()
    _warm_up()
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if launch_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    log.info("trial designer at %s", url)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@contextlib.contextmanager
def running_app(
    host: str = "127.0.0.1", port: int | None = None, *, timeout: float = 20.0
) -> Iterator[str]:
    """Serve the designer from a background thread while the ``with`` block runs.

    What the end-to-end tests and the benchmarks (``benchmarks/serve_*.py``) use to drive the
    page in a headless browser; ``ifnexus serve`` itself runs :func:`serve` in the foreground.

    Parameters
    ----------
    host
        Interface to listen on.
    port
        TCP port; ``None`` picks a free one.
    timeout
        Seconds to wait for the server to listen.

    Yields
    ------
    str
        The page's address, ``http://HOST:PORT/``.

    Raises
    ------
    ValidationError
        The address cannot be listened on (:func:`check_address`).
    IfnexusError
        The server did not start within ``timeout`` seconds.
    MissingDependencyError
        Without the ``serve`` extra.
    """
    from ifnexus._optional import import_optional
    from ifnexus.serve._app import create_app

    if port is None:
        with socket.socket() as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
    check_address(host, port)
    uvicorn = import_optional("uvicorn", extra="serve", purpose="ifnexus serve")
    server = uvicorn.Server(uvicorn.Config(create_app(), host=host, port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise IfnexusError(f"the designer did not start within {timeout:g} s")
            time.sleep(0.05)
        shown = f"[{host}]" if ":" in host else host
        yield f"http://{shown}:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _warm_up() -> None:
    """Run a tiny design through the page's path once, before listening.

    The first call of the numba kernel loads (or compiles) it and the first figure loads
    matplotlib's fonts, which would otherwise land on the user's first Run.
    """
    import warnings

    from ifnexus.errors import IfnexusWarning
    from ifnexus.serve._app import run_design
    from ifnexus.serve._form import design_from_form

    design = design_from_form({
        "patients": 8, "seed": 0, "followup": 1, "endpoint": 1, "mix_acute": 0.5,
        "mix_chronic": 0.25, "mix_deficient": 0.25, "arm1_name": "warm-up",
        "arm1_schedule": "2Gy x1", "arm2_name": "warm-up 2", "arm2_schedule": "2Gy x1",
        "arm2_interventions": "anti-pd1:day=0,dose=1",
    })  # fmt: skip
    with warnings.catch_warnings():  # tiny cohort: curves end early; nobody reads them
        warnings.simplefilter("ignore", IfnexusWarning)
        run_design(design)
