"""Flow sources shared by the API tests."""

from __future__ import annotations

HELLO = """\
id: hello
namespace: qa.api
labels:
  team: data
inputs:
  - id: name
    type: STRING
    defaults: world
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }}"
"""

HELLO_V2 = HELLO.replace("hello {{", "hi {{")

INVALID = """\
id: broken
namespace: qa.api
tasks:
  - id: first
    type: io.kestra.plugin.core.log.Lgo
    message: one
  - id: second
    type: io.kestra.plugin.core.log.Log
"""

TYPED_INPUTS = """\
id: typed
namespace: qa.api
inputs:
  - id: count
    type: INT
  - id: ratio
    type: FLOAT
  - id: data
    type: FILE
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.count }} {{ inputs.ratio }}"
"""

SLEEPY = """\
id: sleepy
namespace: qa.api
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT60S
"""

DISABLED = """\
id: switched_off
namespace: qa.api
disabled: true
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: never
"""

CHATTY = """\
id: chatty
namespace: qa.api
tasks:
  - id: debug
    type: io.kestra.plugin.core.log.Log
    level: DEBUG
    message: quiet line
  - id: warn
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: loud line
"""
