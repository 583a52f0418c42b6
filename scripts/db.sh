#!/bin/sh
# db.sh: the embedded PostgreSQL + PostGIS cluster of `make run` and `make test`.
#
#   scripts/db.sh start DIR PORT     initdb if needed, start (idempotent)
#   scripts/db.sh stop DIR           stop if running
#   scripts/db.sh conninfo DIR PORT DB   print the libpq connection string
#   scripts/db.sh createdb DIR PORT DB [fresh]   create DB (drop it first if fresh)
#
# The cluster listens only on a unix socket inside its own folder, so that
# several clusters (make run, make test) live side by side.  initdb refuses
# to run as root, so as root the cluster belongs to the system user "odp".
# That user must be able to reach DIR; when it cannot (a clone under a
# mode-700 home) or the socket path would be too long, the cluster lives in
# /var/tmp/odp-clusters/ instead and DIR/cluster says where.
set -eu

cmd=${1:?usage: db.sh start|stop|conninfo|createdb DIR ...}
dir=${2:?usage: db.sh $cmd DIR ...}
port=${3:-5499}

pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/pg_ctl" ] || {
	echo "odp: PostgreSQL 15 is not installed ($pgbin/pg_ctl missing); run make deps" >&2
	exit 1
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ "$(id -u)" -eq 0 ]; then
	owner=odp
	if ! id "$owner" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$owner"
	fi
	# From /, which the owner can always enter (DIR may be out of reach).
	as_owner() { (cd / && runuser -u "$owner" -- "$@"); }
else
	owner=$(id -un)
	as_owner() { "$@"; }
fi

# Where the cluster lives: DIR itself when its owner can reach it.
base="$dir"
if [ -f "$dir/cluster" ]; then
	base=$(cat "$dir/cluster")
elif [ "$cmd" = start ]; then
	chown "$owner" "$dir" 2>/dev/null || true
	sock_len=$(printf '%s/.s.PGSQL.%s' "$dir" "$port" | wc -c)
	if ! as_owner test -w "$dir" || [ "$sock_len" -gt 100 ]; then
		hash=$(printf '%s' "$dir" | sha256sum | cut -c1-16)
		base=/var/tmp/odp-clusters/$hash
		mkdir -p "$base"
		chmod 711 /var/tmp/odp-clusters
		chown "$owner" "$base"
		echo "$base" >"$dir/cluster"
		echo "odp: user $owner cannot use $dir; the cluster lives in $base"
	fi
fi
data="$base/data"

case "$cmd" in
start)
	if [ ! -f "$data/PG_VERSION" ]; then
		echo "odp: creating the embedded PostgreSQL cluster in $data"
		as_owner "$pgbin/initdb" -D "$data" -U odp --auth=trust \
			-E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
			echo "odp: initdb failed; see $dir/initdb.log" >&2
			exit 1
		}
	fi
	if ! as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$pgbin/pg_ctl" -D "$data" -l "$base/postgres.log" -w \
			-t 60 -o "-c listen_addresses= -c unix_socket_directories=$base -p $port -c fsync=on" \
			start >/dev/null || {
			echo "odp: PostgreSQL did not start; see $base/postgres.log" >&2
			exit 1
		}
	fi
	;;
stop)
	if [ -f "$data/PG_VERSION" ] &&
		as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
		as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
	fi
	;;
conninfo)
	db=${4:?usage: db.sh conninfo DIR PORT DB}
	echo "host=$base port=$port user=odp dbname=$db"
	;;
createdb)
	db=${4:?usage: db.sh createdb DIR PORT DB [fresh]}
	psql="$pgbin/psql -X -q -h $base -p $port -U odp -d postgres -v ON_ERROR_STOP=1"
	if [ "${5:-}" = fresh ]; then
		$psql -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
	fi
	exists=$($psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
	[ "$exists" = 1 ] || $psql -c "CREATE DATABASE \"$db\""
	;;
*)
	echo "usage: db.sh start|stop|conninfo|createdb DIR ..." >&2
	exit 2
	;;
esac
