"""``hpgtwin serve``: the local web app; loopback by default, a token required for any other bind address."""

from __future__ import annotations

import logging
import os

import typer

from hpgtwin.cli.common import fail


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    """Add ``serve`` to the app."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Bind address; any other than 127.0.0.1/::1 needs HPGTWIN_TOKEN."),
        port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
        seed_examples: bool = typer.Option(False, "--seed-examples",
                                           help="Load examples/patients/*.json into the store (once)."),
        database_url: str = typer.Option(None, "--database-url", envvar="HPGTWIN_DATABASE_URL",
                                         help="SQLAlchemy URL; default: SQLite file in HPGTWIN_DATA_DIR or ./var."),
    ) -> None:
        """Serve the web app and JSON API (OpenAPI at /api/docs)."""
        import uvicorn

        from hpgtwin.store import Store
        from hpgtwin.store import database_url as resolve_url
        from hpgtwin.store.seed import seed_examples as seed
        from hpgtwin.web.app import create_app
        from hpgtwin.web.examples import examples_dir
        from hpgtwin.web.security import needs_token

        token = os.environ.get("HPGTWIN_TOKEN") or None
        if needs_token(host) and not token:
            fail(f"refusing to bind {host}: set HPGTWIN_TOKEN to serve beyond this machine (or use --host 127.0.0.1)")
        if token is not None and len(token) < 16:
            fail("HPGTWIN_TOKEN must be at least 16 characters")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for noisy in ("weasyprint", "fontTools", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        store = Store.open(database_url)
        if seed_examples:
            folder = examples_dir("patients")
            if folder is None:
                typer.echo("no examples/patients folder found; nothing seeded", err=True)
            else:
                added = seed(store, folder)
                typer.echo(f"seeded {len(added)} example patient(s)", err=True)
        where = resolve_url(database_url)
        typer.echo(f"store: {where.split('://')[0]} · http://{host}:{port}/ · token {'on' if token else 'off'}", err=True)
        uvicorn.run(create_app(store, token=token), host=host,
                    port=port, access_log=False, log_level="info", proxy_headers=False)
