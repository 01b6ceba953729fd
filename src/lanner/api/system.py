"""Routes about the server itself: its configuration summary and a liveness check."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from lanner import __version__
from lanner.api.dependencies import InstanceDependency
from lanner.api.responses import JsonResponse

router = APIRouter(tags=["Misc"])


@router.get("/configs", summary="Get the server's configuration summary")
async def configs(instance: InstanceDependency) -> Response:
    database = "postgresql" if instance.backend.db.is_postgres else "sqlite"
    return JsonResponse({"version": __version__, "database": database})


@router.get("/health", summary="Check that the web server answers")
async def health() -> Response:
    """Return `{"status": "UP"}` while the web server runs; the database is not checked."""
    return JsonResponse({"status": "UP"})
