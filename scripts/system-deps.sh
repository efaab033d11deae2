#!/usr/bin/env bash
# Install the Debian packages fsmnb needs when they are missing (graphviz for diagrams,
# chromium for the browser tests, postgresql for the PostgreSQL store's tests: they start their
# own server with initdb/pg_ctl in a temporary directory). Runs as root on a fresh machine; otherwise it says what to install.
set -euo pipefail
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ "${FSMNB_SKIP_BROWSER:-0}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "fsmnb: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "fsmnb: please install these system packages: ${missing[*]}" >&2
  echo "       (e.g. sudo apt-get install ${missing[*]}); continuing without them." >&2
fi
