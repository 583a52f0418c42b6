#!/bin/sh
# deps.sh: install the Debian 12 packages odp builds, runs and tests with.
#
# As root, installs what is missing with apt-get (non-interactive, so that it
# works in CI); otherwise prints the exact apt-get line and fails.
set -eu

PACKAGES="build-essential pkg-config
postgresql-15 postgresql-15-postgis-3 libpq-dev
gdal-bin libgdal-dev libjansson-dev libmicrohttpd-dev libssl-dev
libxml2-dev libcurl4-openssl-dev
python3 python3-rdflib curl"

# Node.js runs the SHACL validation of the DCAT catalogue in the tests
# (tests/shacl/validate.mjs); a node and npm already on the PATH will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	PACKAGES="$PACKAGES nodejs npm"
fi

# `deps.sh bench`: also the load generator of make bench, which make run
# and make test do not need.
if [ "${1:-}" = bench ]; then
	PACKAGES="$PACKAGES wrk"
fi

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "odp: these Debian packages are missing:$missing" >&2
	echo "odp: install them with:" >&2
	echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

echo "odp: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
