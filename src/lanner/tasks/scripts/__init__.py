"""Script tasks (`io.kestra.plugin.scripts.*`) and their task runners."""
