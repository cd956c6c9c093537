# ruff: noqa: E501 - the sample lines are real log lines, long as they come
"""`make run`'s terminal: the processes' own lines, without the libraries' start-up warnings
(tools/run.py). The lines are real ones, copied from a `make run`."""

from __future__ import annotations

from tools.run import NoiseFilter

SP = "/work/main/.venv-rasa/lib/python3.10/site-packages"
RUN = f"""\
20:42:36 system    | rasa.1 started (pid=6711)
20:42:36 actions.1 | 2026-12-04 20:42:36 INFO     rasa_sdk.endpoint  - Starting action endpoint server...
20:42:37 rasa.1    | {SP}/rasa/shared/utils/validation.py:134: DeprecationWarning: pkg_resources is deprecated as an API.
20:42:37 rasa.1    |   import pkg_resources
20:42:37 rasa.1    | {SP}/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to `pkg_resources.declare_namespace('mpl_toolkits')`.
20:42:37 rasa.1    | Implementing implicit namespace packages (as specified in PEP 420) is preferred to `pkg_resources.declare_namespace`.
20:42:37 actions.1 | 2026-12-04 20:42:37 INFO     rasa_sdk.endpoint  - Action endpoint is up and running on http://127.0.0.1:5055
20:42:37 rasa.1    |   declare_namespace(pkg)
20:42:37 admin.1   | INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)
20:42:40 rasa.1    | {SP}/matplotlib/fontconfig_pattern.py:66: PyparsingDeprecationWarning: 'setParseAction' deprecated - use 'set_parse_action'
20:42:40 rasa.1    |   ).setParseAction(self._family)
20:42:40 rasa.1    | 2026-12-04 20:42:40.123456: W tensorflow/core/util/port.cc:113] oneDNN custom operations are on.
20:42:40 rasa.1    | {SP}/sqlalchemy/orm/relationships.py:1994: SAWarning: relationship 'X' will copy column
20:42:41 rasa.1    | 2026-12-04 20:42:41 INFO     root  - Starting Rasa server on http://127.0.0.1:5005
20:42:43 rasa.1    | 2026-12-04 20:42:43 INFO     root  - Rasa server is up and running.
20:43:01 actions.1 | /work/wt-edges/actions/content.py:12: UserWarning: a warning of our own code
20:43:02 admin.1   | Traceback (most recent call last):
20:43:02 admin.1   |   File "/work/wt-edges/admin/app.py", line 1, in <module>
"""


def test_library_warnings_go_and_every_real_line_stays() -> None:
    kept = list(NoiseFilter().filter(RUN.splitlines()))
    assert [line.split("| ", 1)[1] for line in kept] == [
        "rasa.1 started (pid=6711)",
        "2026-12-04 20:42:36 INFO     rasa_sdk.endpoint  - Starting action endpoint server...",
        "2026-12-04 20:42:37 INFO     rasa_sdk.endpoint  - Action endpoint is up and running"
        " on http://127.0.0.1:5055",
        "INFO:     Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)",
        "2026-12-04 20:42:41 INFO     root  - Starting Rasa server on http://127.0.0.1:5005",
        "2026-12-04 20:42:43 INFO     root  - Rasa server is up and running.",
        "/work/wt-edges/actions/content.py:12: UserWarning: a warning of our own code",
        "Traceback (most recent call last):",
        '  File "/work/wt-edges/admin/app.py", line 1, in <module>',
    ]
