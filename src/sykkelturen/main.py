"""The application: routers, problem handlers, middleware, stable operation ids."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from sykkelturen import __version__, caching, openapi
from sykkelturen.activities.router import router as activities_router
from sykkelturen.audit.router import router as audit_router
from sykkelturen.bodies import check_content_encoding
from sykkelturen.calendars.router import router as calendars_router
from sykkelturen.checkpoints.router import router as checkpoints_router
from sykkelturen.clock import SystemClock
from sykkelturen.compression import GzipMiddleware
from sykkelturen.concurrency import install_not_modified_handler
from sykkelturen.config import Settings, get_settings
from sykkelturen.content.router import router as content_router
from sykkelturen.counties.router import router as counties_router
from sykkelturen.coverage.router import router as coverage_router
from sykkelturen.daylog.router import router as daylog_router
from sykkelturen.db import autocommit_engine, create_db_engine, writer_engine
from sykkelturen.health import router as health_router
from sykkelturen.legs.router import router as legs_router
from sykkelturen.live.router import router as live_router
from sykkelturen.measures.router import router as measures_router
from sykkelturen.middleware import BodyLimitMiddleware, HeadAsGetMiddleware, RequestIdMiddleware
from sykkelturen.negotiation import require_acceptable
from sykkelturen.outcomes.router import router as outcomes_router
from sykkelturen.partners.router import router as partners_router
from sykkelturen.people.router import router as people_router
from sykkelturen.press.router import router as press_router
from sykkelturen.privacy.router import router as privacy_router
from sykkelturen.problems import install_problem_handlers
from sykkelturen.progress.router import router as progress_router
from sykkelturen.queries import check_query_string
from sykkelturen.report.router import router as report_router
from sykkelturen.response_headers import ResponseHeadersMiddleware
from sykkelturen.riders.router import router as riders_router
from sykkelturen.routes.router import router as routes_router
from sykkelturen.runsheet.router import router as runsheet_router
from sykkelturen.security import current_actor
from sykkelturen.staffing.router import router as staffing_router
from sykkelturen.stages.router import router as stages_router
from sykkelturen.team.router import router as team_router
from sykkelturen.tokens.router import router as tokens_router
from sykkelturen.tours.router import router as tours_router

API_PREFIX = "/api/v1"

DESCRIPTION = """
Plan the national cycle-tour relay county by county and stage by stage, and pull one
national run sheet. Errors are RFC 9457 `application/problem+json` with a stable `code`.
Writes to a resource need `If-Match` with its `ETag`. Lists page with `limit` and `cursor`.
"""


def operation_id(route: APIRoute) -> str:
    """Operation ids are the endpoint function names: short, stable, unique."""
    return route.name


# What every request is checked for before its endpoint runs, in one dependency each (one
# `async def`: they only read the request, and FastAPI solves each dependency, and hops
# to the thread pool for each sync one, on every request).
async def check_probe(request: Request) -> None:
    await require_acceptable(request)
    await check_query_string(request)


async def check_api_request(request: Request) -> None:
    await require_acceptable(request)  # 406 before any other complaint
    await check_query_string(request)
    await check_content_encoding(request)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_db_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    # /docs and /redoc with their scripts served by the app itself (offline, intranets).
    app = FastAPIOffline(
        title="Sykkelturen API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's built-in OpenTelemetry looks for configured providers on every request;
        # the service configures none, so it is switched off rather than asked each time.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        generate_unique_id_function=operation_id,
        servers=[
            {"url": "/", "description": "The service that serves this document"},
            {"url": "http://127.0.0.1:8000", "description": "`make run` on your machine"},
        ],
        license_info={"name": "MIT", "identifier": "MIT"},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.write_engine = writer_engine(engine)
    app.state.autocommit_engine = autocommit_engine(engine)
    app.state.clock = SystemClock()  # tests put a FixedClock here

    # The probes first: FastAPI matches routes in order, and a load balancer asks often.
    openapi.mark_anonymous_operations(health_router)
    app.include_router(health_router, dependencies=[Depends(check_probe)])

    # Every API request: `Accept` answerable, its query string and body coding checked
    # (`check_api_request`), a token it presents valid.
    api_dependencies = [Depends(check_api_request), Depends(current_actor)]
    for router in (
        counties_router,
        tours_router,
        stages_router,
        routes_router,
        checkpoints_router,
        legs_router,
        people_router,
        privacy_router,  # /people/{person_id} erasure and export, after the people router
        partners_router,
        activities_router,
        press_router,
        content_router,
        progress_router,
        calendars_router,  # before the team's /team/{member_id}: /team/calendar-subscriptions
        team_router,
        riders_router,
        staffing_router,
        measures_router,
        runsheet_router,
        outcomes_router,
        coverage_router,
        report_router,
        daylog_router,
        live_router,
        tokens_router,
        audit_router,
    ):
        openapi.mark_anonymous_operations(router)
        # Each router directly under the app, not inside one `/api/v1` router: FastAPI
        # matches nested routers level by level (twice per request), and the extra level
        # cost more than the rest of a trivial request's routing.
        app.include_router(router, prefix=API_PREFIX, dependencies=api_dependencies)

    install_problem_handlers(app)
    install_not_modified_handler(app)
    # The last added runs first: request id, HEAD, gzip, CORS, then the body limit, so a 413
    # from the limit still carries CORS headers and a browser can read the problem.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Accept-Language",
                "Authorization",
                "Content-Encoding",  # gzip uploads
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "X-Request-ID",
            ],
            expose_headers=[
                "Content-Disposition",
                "Content-Language",
                "ETag",
                "Location",
                "WWW-Authenticate",
                "X-Request-ID",
            ],
        )
    app.add_middleware(GzipMiddleware)  # inside HEAD: a HEAD shows the GET's coding and length
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(ResponseHeadersMiddleware)  # outermost: every response gets them
    openapi.install(app)
    caching.freeze_long_lived("app made")
    return app
