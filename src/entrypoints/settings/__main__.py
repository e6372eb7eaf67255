"""``python -m entrypoints.settings --markdown`` prints the README's configuration table;
``--readme README.md`` rewrites it in place (``make readme-settings``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from entrypoints.settings.table import markdown_table, with_table


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m entrypoints.settings", description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--markdown", action="store_true", help="print the table")
    action.add_argument("--readme", type=Path, help="rewrite the table in this README")
    args = parser.parse_args()
    if args.readme is None:
        print(markdown_table(), end="")
        return 0
    readme: Path = args.readme
    readme.write_text(with_table(readme.read_text()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
