"""Lanner: a workflow orchestrator that runs Kestra-style YAML flows."""

__version__ = "0.1.0"
