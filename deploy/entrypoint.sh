#!/bin/sh
# The container's entrypoint (Dockerfile: ENTRYPOINT tini -- deploy/entrypoint.sh; CMD serve).
#
#   serve [byom serve options]    check the configuration, then serve (the default)
#   migrate [revision]            check the configuration, then `byom db upgrade` once and exit
#   check                         check the configuration and print what it found (no secrets)
#   <any byom command>            e.g. `keys status`, `keys rewrap`, `users create …`
#
# The checks are byom's own (`byom config check`): production settings complete, the master
# keyring loadable, the system default's allow-list coherent. A refused configuration exits 2
# with one line on stderr, "configuration error: …", before anything listens or migrates.
# `exec` hands the process to byom, so tini's SIGTERM reaches uvicorn directly.
set -eu

check() {
    # Quiet when it passes: the service's own log lines are JSON, and these are not.
    byom config check --production >/dev/null
}

command="${1:-serve}"
[ "$#" -gt 0 ] && shift

case "$command" in
    serve)
        check
        exec byom serve "$@"
        ;;
    migrate)
        check
        exec byom db upgrade "$@"
        ;;
    check)
        exec byom config check --production "$@"
        ;;
    *)
        # Commands that keep metrics (`keys rewrap`) write them where `serve` would.
        if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
            mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
        fi
        exec byom "$command" "$@"
        ;;
esac
