"""The web application: Lanner's REST API under /api/v1, with Kestra's paths and JSON shapes."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from lanner import __version__
from lanner.api import (
    execution_actions,
    executions,
    flows,
    kv,
    logs,
    namespace_files,
    revisions,
    system,
    triggers,
    webhooks,
)
from lanner.api.errors import install_error_handlers
from lanner.api.responses import JsonResponse
from lanner.instance import Instance

API_PREFIX = "/api/v1"
# Kestra 1.x puts a tenant in its paths, and its open-source edition has the one tenant
# `main`: the same routes respond there too, so Kestra clients work unchanged.
KESTRA_TENANT_PREFIX = "/api/v1/main"


def create_app(instance: Instance) -> FastAPI:
    """Build the API of a started instance; the caller starts and stops the instance."""
    app = FastAPI(
        title="Lanner",
        version=__version__,
        description="Run and inspect Kestra-style flows. Every error response has the body "
        '`{"message": ..., "problems": [...]}`, `problems` being optional.',
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        default_response_class=JsonResponse,
    )
    app.state.instance = instance
    install_error_handlers(app)
    app.include_router(_api_router(), prefix=API_PREFIX)
    app.include_router(_api_router(), prefix=KESTRA_TENANT_PREFIX, include_in_schema=False)
    return app


def _api_router() -> APIRouter:
    router = APIRouter()
    for module in (
        flows,
        revisions,
        # Before `executions`: its `POST /executions/{namespace}/{flowId}` would otherwise take
        # `POST /executions/{executionId}/resume` and the other actions.
        execution_actions,
        executions,
        logs,
        namespace_files,
        kv,
        system,
        triggers,
        webhooks,
    ):
        router.include_router(module.router)
    return router
