"""The action server: rasa-sdk's own, with an executor that speaks Rasa 3.6's protocol.

Since 3.10, rasa-sdk answers an action call that carries no domain with HTTP 449 ("send it
again with the domain"), a handshake of newer Rasa servers (they add a `domain_digest`).
Rasa 3.6 sends no digest and, with `enable_selective_domain` (endpoints.yml), no domain: it
would read the 449 as a failed action. Such a call gets the domain read from domain/*.yml
(actions/domain.py), the same files Rasa trained on.

It serves in one process, as rasa-sdk did before Sanic 25: rasa-sdk's `run()` now starts a
process manager that spawns the worker (four processes, the actions imported twice, about
150 MB more), for nothing while one worker serves.

    python -m actions.server --actions actions -p 5055   (rasa-sdk's own options)
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, cast

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser, create_ssl_config
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.domain import domain_or_cached
from passerelle_settings import environment

# rasa-sdk warns on every call whose Rasa is not the same minor version; this pair (Rasa 3.6
# with this rasa-sdk) is the one the integration and end-to-end suites run.
warnings.filterwarnings(
    "ignore",
    message="Your versions of rasa and rasa_sdk might not be compatible",
    category=UserWarning,
)


class Rasa36ActionExecutor(ActionExecutor):
    """rasa-sdk's executor; a call without a domain gets the one of domain/*.yml, not a 449."""

    def update_and_return_domain(
        self, payload: dict[str, Any], action_name: str
    ) -> dict[str, Any] | None:
        return cast(dict[str, Any], domain_or_cached(payload.get("domain")))


def main(argv: list[str] | None = None) -> None:
    """Start the HTTP action server as `python -m rasa_sdk` does, with our executor."""
    logger = logging.getLogger(__name__)
    args = create_argument_parser().parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()

    executor = Rasa36ActionExecutor()
    executor.register_package(args.actions_module or args.actions)
    app = create_app_for_serve(
        executor, cors_origins=args.cors, auto_reload=args.auto_reload, endpoints=args.endpoints
    )
    ssl = create_ssl_config(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    host = environment().sanic_host
    logger.info(
        "Action endpoint is up and running on %s://%s:%s",
        "https" if ssl else "http",
        host,
        args.port,
    )
    app.prepare(host=host, port=args.port, ssl=ssl, single_process=True)
    Sanic.serve_single(app)


if __name__ == "__main__":
    main()
