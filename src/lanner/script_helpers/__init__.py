"""Helper modules that scripts of script tasks import.

`PYTHON_PATH` is put first on the PYTHONPATH of Python script tasks, so that scripts can
`import lanner_helpers` without installing anything. The folder holds only that module and
this file, which scripts have no reason to import.
"""

from pathlib import Path

PYTHON_PATH = Path(__file__).resolve().parent
