#!/bin/sh
# run.sh: what `make run` does once odp is built: start the embedded PostGIS
# (unless ODP_DATABASE_URL names a server), migrate, harvest the demo jobs,
# serve the API in the foreground with one scheduler beside it that runs
# the jobs on their schedules.  Ctrl-C stops the scheduler (a harvest in
# progress gets ODP_SHUTDOWN_GRACE seconds to stop), the API and the
# database.
set -eu

port=5499
embedded=no
if [ -z "${ODP_DATABASE_URL:-}" ]; then
	embedded=yes
	scripts/db.sh start var/run "$port"
	scripts/db.sh createdb var/run "$port" odp
	ODP_DATABASE_URL=$(scripts/db.sh conninfo var/run "$port" odp)
	export ODP_DATABASE_URL
fi

api_pid=""
sched_pid=""
stop() {
	trap - INT TERM EXIT
	if [ -n "$sched_pid" ] && kill "$sched_pid" 2>/dev/null; then
		echo "odp: stopping the scheduler"
		wait "$sched_pid" 2>/dev/null || true
	fi
	[ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
	if [ "$embedded" = yes ]; then
		echo "odp: stopping the embedded PostgreSQL"
		scripts/db.sh stop var/run
	fi
}
trap stop INT TERM EXIT

build/odp-etl migrate
for job in etl/jobs/demo/*.json; do
	build/odp-etl run "$job" || echo "odp: harvest of $job failed; see above"
done

listen=${ODP_LISTEN:-127.0.0.1:8080}
build/odp-api &
api_pid=$!
build/odp-etl schedule &
sched_pid=$!
sleep 0.5
cat <<MSG

odp is serving on http://$listen  (Ctrl-C to stop)
  curl http://$listen/health
  curl http://$listen/datasets
  curl http://$listen/datasets/parkings-grand-poitiers
  curl 'http://$listen/datasets/parkings-grand-poitiers/records?limit=2'
  curl http://$listen/datasets/eclairage-public/records.geojson

The scheduler runs the jobs of etl/jobs on their schedules:
  build/odp-etl status

MSG
wait "$api_pid"
