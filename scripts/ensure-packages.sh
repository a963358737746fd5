#!/usr/bin/env bash
# Install, with apt, the Debian packages the project's scripts need and the machine lacks.
# CI machines keep nothing installed by hand: every script that needs a system program calls
# this first, naming what it needs (the default is everything CI needs).
#
#   scripts/ensure-packages.sh [postgresql] [redis] [nginx] [chromium] [gettext] [node] [openssl] [time]
#
# Each name is checked by the program it provides; only the missing ones are installed, so on
# a prepared machine this costs a few `command -v` and no network. Needs root (or sudo) only
# when something is missing.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(postgresql redis nginx chromium gettext node openssl time)

missing=()
want_npm=0
for name in "${wanted[@]}"; do
    case "$name" in
        postgresql) [ -x "$PG_BIN/initdb" ] || missing+=(postgresql) ;;
        redis) command -v redis-server >/dev/null || missing+=(redis-server) ;;
        nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
        chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
        gettext) command -v xgettext >/dev/null || missing+=(gettext) ;;
        node)
            # The OIDC test's provider (package.json) needs Node.js 20+: Debian 12's own
            # nodejs is 18, so a machine needs a newer one in its apt sources (this one has).
            command -v node >/dev/null || missing+=(nodejs)
            want_npm=1  # after nodejs: NodeSource's nodejs brings npm, Debian's does not
            ;;
        openssl) command -v openssl >/dev/null || missing+=(openssl) ;;
        time) [ -x /usr/bin/time ] || missing+=(time) ;;  # bench/national.sh's timings
        *) echo "ensure-packages: unknown name $name" >&2; exit 2 ;;
    esac
done
if [ ${#missing[@]} -eq 0 ] && { [ $want_npm = 0 ] || command -v npm >/dev/null; }; then
    exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || {
        echo "ensure-packages: missing ${missing[*]:-npm}; run as root or install them" >&2
        exit 1
    }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}" >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $want_npm = 1 ] && ! command -v npm >/dev/null; then
    echo "== installing npm" >&2
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
# Debian's nginx package starts a system-wide nginx on port 80; the scripts run their own.
if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null; then
    "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
fi
