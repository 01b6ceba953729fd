"""Lanner's REST API: flows, executions and logs over HTTP, with Kestra's paths and shapes.

One module per resource (`flows`, `executions`, `logs`, `system`), error responses in `errors`,
server-sent event helpers in `events`; `app.create_app` puts them together.
"""
