"""Trigger types by name, including Kestra's older names and plugins added through entry points.

Lanner's core triggers are always registered. A package adds trigger types by declaring an
entry point in the group `lanner.triggers` whose value is a function returning trigger classes.
"""

from __future__ import annotations

import functools
import logging
from importlib.metadata import entry_points

from lanner.flows.plugin_registry import PluginRegistry
from lanner.triggers.base import Trigger

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "lanner.triggers"

TriggerRegistry = PluginRegistry[Trigger]


@functools.cache
def default_trigger_registry() -> TriggerRegistry:
    """Build the registry from the core triggers and every `lanner.triggers` entry point."""
    from lanner.triggers import core_trigger_types

    registry: TriggerRegistry = PluginRegistry("trigger", core_trigger_types())
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.value == "lanner.triggers:core_trigger_types":
            continue
        for trigger_type in entry_point.load()():
            registry.register(trigger_type)
        logger.debug("Loaded trigger types from entry point %s", entry_point.name)
    return registry
