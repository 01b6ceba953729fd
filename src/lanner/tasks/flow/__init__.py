"""Flow-control tasks (`io.kestra.plugin.core.flow.*`)."""
