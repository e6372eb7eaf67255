"""``byom config check``: the configuration a start would use, checked without starting.

The container image's entrypoint (deploy/entrypoint.sh) runs it before ``serve`` and
``migrate``, so a missing secret stops the container at once with one clear line and exit code
2, instead of every uvicorn worker failing on its own. It adds no rule of its own: the settings
loader refuses unsafe production settings, and the composition root's choosers load the master
keyring and check the system default's allow-list, as a worker does when it starts. It opens no
connection (readiness, ``GET /health/ready``, proves the database and the keyring's canary).
"""

from __future__ import annotations

import argparse
import sys

from entrypoints.cli._support import CONFIGURATION_ERROR, Commands
from entrypoints.settings import Settings


def register(commands: Commands) -> None:
    config = commands.add_parser(
        "config", help="check the configuration", description="Check the configuration."
    )
    config_commands = config.add_subparsers(
        dest="config_command", required=True, metavar="COMMAND", help="what to do"
    )
    check = config_commands.add_parser(
        "check", help="load the settings, the master keyring and the system default; start nothing"
    )
    check.add_argument(
        "--production",
        action="store_true",
        help="also refuse anything but BYOM_ENV=production (development writes under var/)",
    )
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.engine import make_url  # here: `byom --help` needs no SQLAlchemy

    from adapters.llm import TomlModelCatalog
    from entrypoints.bootstrap import key_wrapper, system_default

    if args.production and not settings.is_production:
        return _refuse(
            f"BYOM_ENV is {settings.env.value}; this deployment needs production "
            "(development generates secrets and a SQLite database under BYOM_VAR_DIR)"
        )
    # A local keyring is loaded when one is configured, and in development (where a start
    # generates one). Production settings without one have been refused already, unless
    # another key wrapper (a KMS) holds the master keys: its client is not started here.
    local = settings.crypto.keys is not None or settings.crypto.keys_file is not None
    try:
        keyring = key_wrapper(settings) if local or not settings.is_production else None
        fallback = system_default(settings, TomlModelCatalog.from_package())
    except ValueError as exc:  # KeyringError, SettingsError: they name variables, never values
        return _refuse(str(exc))
    # Facts an operator can compare with what they meant to deploy; never a secret.
    print(f"configuration ok ({settings.env.value})")
    print(f"database: {make_url(settings.database.url).render_as_string(hide_password=True)}")
    if keyring is None:
        print("master keys: none in the environment")
    else:
        print(f"master keys: {len(keyring.key_ids())} (primary {keyring.primary_key_id})")
    print(f"metrics token: {'set' if settings.server.metrics_token else 'not set'}")
    if settings.server.redis_url:
        print("shared store: Redis")
    else:
        print("shared store: none (rate limits and login throttles count per instance)")
    trusted = settings.server.forwarded_allow_ips
    if trusted:
        print(f"trusted proxies: {', '.join(trusted)} (X-Forwarded-For read from these)")
    else:
        print("trusted proxies: none (X-Forwarded-For ignored; the client is the TCP peer)")
    if fallback is None:
        print("system default: none")
    else:
        print(f"system default: {fallback.provider.value}/{fallback.model}")
    return 0


def _refuse(reason: str) -> int:
    print(f"configuration error: {reason}", file=sys.stderr)
    return CONFIGURATION_ERROR
