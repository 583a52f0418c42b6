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
python3 curl"

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
