"""``ifnexus serve``: the trial designer in the browser (Shiny for Python, local assets)."""

from __future__ import annotations

import typer


def serve_cmd(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Interface to listen on; the default accepts this machine only (0.0.0.0: every "
        "interface).",
    ),
    port: int = typer.Option(8050, "--port", help="TCP port; one in use is an error."),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Do not open the page in the web browser."
    ),
) -> None:
    """Start the trial designer: build arms, run them on the same patients, download TOML/CSV."""
    from ifnexus.serve import check_address, serve

    check_address(host, port)  # a port in use ends here, exit 2, before anything starts
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"starting the trial designer at http://{shown}:{port}/ (Ctrl-C stops it)", err=True)
    serve(host, port, launch_browser=not no_browser)
