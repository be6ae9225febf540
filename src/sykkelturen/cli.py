"""The `sykkelturen` command: serve, migrate, token, demo, openapi."""

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlmodel import Session

from sykkelturen import schema_migrations
from sykkelturen.config import Settings, SettingsError, load_settings
from sykkelturen.db import create_db_engine
from sykkelturen.logs import log_config
from sykkelturen.pagination import MAX_LIMIT, PageParams
from sykkelturen.problems import Problem
from sykkelturen.security import Role, system_actor
from sykkelturen.tokens import service as tokens
from sykkelturen.tokens.models import TokenCreate

OPENAPI_PATH = Path("openapi/openapi.json")


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """One unit of work for a command; its engine is closed afterwards."""
    engine = create_db_engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    schema_migrations.upgrade(settings)
    uvicorn.run(
        "sykkelturen.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level),
        access_log=False,
        proxy_headers=True,
        timeout_worker_healthcheck=settings.worker_start_timeout_s,
        # httptools, answering what it cannot parse with a problem (see http_protocol).
        http="sykkelturen.http_protocol:ProblemHttpToolsProtocol",
    )
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    if args.downgrade:
        schema_migrations.downgrade(settings, args.downgrade, sql=args.sql)
    else:
        schema_migrations.upgrade(settings, args.revision, sql=args.sql)
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    schema_migrations.require_migrated(settings)
    data = TokenCreate(
        name=args.name,
        role=Role(args.role),
        counties=args.county or [],
        personal_data=args.personal_data,
    )
    with _session(settings) as session:
        created = tokens.create_token(session, actor=system_actor("command line"), data=data)
        session.commit()
    print(created.token)  # only the token, so scripts can capture it
    return 0


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    schema_migrations.require_migrated(settings)
    with _session(settings) as session:
        cursor: str | None = None
        while True:
            rows, cursor = tokens.list_tokens(
                session, include_revoked=args.all, page=PageParams(limit=MAX_LIMIT, cursor=cursor)
            )
            for t in rows:
                state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
                counties = ",".join(t.counties) or "-"
                print(f"{t.id}\t{t.prefix}…\t{t.role}\t{counties}\t{state}\t{t.name}")
            if cursor is None:
                return 0


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    schema_migrations.require_migrated(settings)
    with _session(settings) as session:
        token = tokens.get_token(session, args.id)
        # The operator names the token by id at the console: whatever state it is in.
        tokens.revoke_token(session, actor=system_actor("command line"), token=token, if_match="*")
        session.commit()
    print(f"revoked token {args.id}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from sykkelturen.demo.loader import load_demo  # noqa: PLC0415 - only this command needs the demo

    schema_migrations.upgrade(settings)
    with _session(settings) as session:
        tour = load_demo(session, settings, announce=lambda line: print(line, file=sys.stderr))
        session.commit()
    print(f"demo tour {tour.id}: {tour.name}", file=sys.stderr)
    return 0


def openapi_document(settings: Settings) -> str:
    # Serving imports the app in each worker by name; only this command needs it here.
    from sykkelturen.main import create_app  # noqa: PLC0415

    app = create_app(settings)
    document = json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"
    app.state.engine.dispose()
    return document


def cmd_openapi(args: argparse.Namespace, settings: Settings) -> int:
    document = openapi_document(settings)
    if args.check:
        if not args.output.exists() or args.output.read_text("utf-8") != document:
            print(f"{args.output} is out of date: run `sykkelturen openapi`", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(document, "utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sykkelturen", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=cmd_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema (default: to head)")
    migrate.add_argument("--revision", default="head", help="upgrade to this revision")
    migrate.add_argument(
        "--downgrade", metavar="REVISION", help="downgrade to this revision instead"
    )
    migrate.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    migrate.set_defaults(run=cmd_migrate)

    token = commands.add_parser("token", help="create, list and revoke access tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="create a token; prints only the token")
    # Stage-day tokens are made through the API, by the stage's county contact.
    create.add_argument(
        "--role", required=True, choices=[r.value for r in Role if r != Role.stage_day]
    )
    create.add_argument("--county", action="append", help="county number (repeat for several)")
    create.add_argument("--name", required=True, help="who or what holds the token")
    create.add_argument(
        "--personal-data", action="store_true", help="grant a reader token personal data"
    )
    create.set_defaults(run=cmd_token_create)
    listing = token_commands.add_parser("list", help="list tokens")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.set_defaults(run=cmd_token_list)
    revoke = token_commands.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(run=cmd_token_revoke)

    demo = commands.add_parser("demo", help="load the demo tour (idempotent)")
    demo.set_defaults(run=cmd_demo)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi.add_argument("--output", type=Path, default=OPENAPI_PATH)
    openapi.add_argument("--check", action="store_true", help="fail if the file is out of date")
    openapi.set_defaults(run=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return int(args.run(args, settings))
    except (SettingsError, schema_migrations.NotMigrated) as error:
        print(f"sykkelturen: {error}", file=sys.stderr)
        return 2
    except Problem as problem:
        print(f"sykkelturen: {problem.title}: {problem.detail or ''}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"sykkelturen: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
