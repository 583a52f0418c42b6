"""test_scheduler.py: odp-etl schedule and odp-etl status, as data referents
and reusers rely on them: each due job runs once however many schedulers
share the catalogue; a run past its deadline is stopped, recorded as timed
out, and the previous version stays served; a failed run is tried again,
later each time; SIGTERM stops a scheduler within its grace period with the
run recorded; job files are read again when they change; status says where
each job stands.  The cron arithmetic itself (time zone, daylight saving
time, day-of-month or day-of-week) is unit-tested in tests/unit/test_cron.c.

Each test works on job files of its own, in a temporary folder given to the
scheduler as ODP_JOBS_DIR, and drops the datasets it made."""

import datetime
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from test_etl import current_version, drop_dataset

# Far enough that no test job comes due by its schedule while tests run.
YEARLY = "0 0 1 1 *"
# A hang guard, not a speed expectation: how long to wait for a process.
PATIENCE = 300




def write_csv(path, n):
    with open(path, "w") as f:
        f.write("id;valeur;lat;lon\n")
        for i in range(n):
            f.write("M%07d;%d,5;46,58;0,34\n" % (i, i))


def write_job(folder, ident, rows=3, **changes):
    """A job file ident.json in folder reading ident.csv beside it (rows
    rows; None: no CSV); changes are top-level keys of the job."""
    job = {
        "identifier": ident,
        "title": "Jeu de test " + ident,
        "description": "Un jeu de données créé par les tests du planificateur.",
        "publisher": {"identifier": "tests", "name": "Tests"},
        "licence": "etalab-2.0",
        "schedule": YEARLY,
        "key": "id",
        "source": {"kind": "gdal", "path": ident + ".csv", "x": "lon", "y": "lat"},
    }
    job.update(changes)
    if rows is not None:
        write_csv(os.path.join(folder, ident + ".csv"), rows)
    path = os.path.join(folder, ident + ".json")
    with open(path, "w") as f:
        json.dump(job, f, ensure_ascii=False)
    return path


def schedule_once(ctx, folder, *args, env=None):
    return ctx.etl("schedule", "--once", *args, timeout=PATIENCE,
                   env=dict({"ODP_JOBS_DIR": folder}, **(env or {})))


def start_scheduler(ctx, folder, *args, env=None):
    """A long-running `odp-etl schedule`; its stderr goes to a file that
    read_log() returns."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [ctx.etl_path, "schedule"] + list(args), cwd=ctx.root,
        env=ctx.env(dict({"ODP_JOBS_DIR": folder, "ODP_LOG_LEVEL": "info"},
                         **(env or {}))),
        stdout=subprocess.DEVNULL, stderr=log)
    proc.log = log
    return proc


def read_log(proc):
    proc.log.seek(0)
    return proc.log.read().decode("utf-8", "replace")


def stop_scheduler(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(PATIENCE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()


def wait_for(what, check, timeout=PATIENCE):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("gave up waiting for " + what)


def runs(ctx, ident):
    """(status, message) of each run of ident, oldest first."""
    return ctx.sql(
        "SELECT r.status, coalesce(r.message, '') FROM job_runs r JOIN jobs j"
        " ON j.id = r.job_id WHERE j.identifier = '%s' ORDER BY r.id" % ident)


def job_row(ctx, ident, columns):
    rows = ctx.sql("SELECT %s FROM jobs WHERE identifier = '%s'" % (columns, ident))
    assert rows, "no job %s" % ident
    return rows[0]


def make_due(ctx, ident):
    ctx.sql("UPDATE jobs SET next_run_at = now() - interval '1 minute'"
            " WHERE identifier = '%s'" % ident)


def loading_versions(ctx, ident):
    return ctx.sql_value(
        "SELECT count(*) FROM dataset_versions v JOIN datasets d ON"
        " d.id = v.dataset_id WHERE d.identifier = '%s' AND v.state ="
        " 'loading'" % ident)


def served_records(ctx, ident):
    r = ctx.get("/datasets/%s/records?limit=10000" % ident)
    assert r.status == 200, (r.status, r.body[:300])
    return len(r.json()["records"])


def test_schedule_and_status_have_help(ctx):
    for command in ("schedule", "status"):
        p = ctx.etl(command, "--help")
        assert p.returncode == 0, (command, p.stderr)
        assert "usage: odp-etl " + command in p.stdout, p.stdout
    p = ctx.etl("--help")
    assert "schedule" in p.stdout and "status" in p.stdout, p.stdout
    p = ctx.etl("schedule", "--workers", "0")
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "--workers needs an integer from 1 to" in p.stderr, p.stderr
    p = ctx.etl("schedule", "--once", env={"ODP_TIMEZONE": "Europe/Lutece"})
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert 'unknown time zone "Europe/Lutece"' in p.stderr, p.stderr


def test_job_file_timeout_and_retries_are_checked(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    try:
        good = write_job(folder, "test-sched-keys", timeout=600, retries=0)
        p = ctx.etl("validate", good)
        assert p.returncode == 0, p.stderr
        bad = write_job(folder, "test-sched-bad-keys", timeout=0, retries=21)
        p = ctx.etl("validate", bad)
        assert p.returncode == 3, (p.returncode, p.stderr)
        assert bad + ": $.timeout: 0 is out of range; expected 1 to 604800" \
            " seconds" in p.stderr, p.stderr
        assert bad + ": $.retries: 21 is out of range; expected 0 to 20" \
            in p.stderr, p.stderr
        bad = write_job(folder, "test-sched-bad-keys", timeout="1h")
        p = ctx.etl("validate", bad)
        assert p.returncode == 3, (p.returncode, p.stderr)
        assert bad + ": $.timeout: found a string; expected an integer" \
            in p.stderr, p.stderr
    finally:
        shutil.rmtree(folder)


def test_two_schedulers_run_each_due_job_exactly_once(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    idents = ["test-sched-once-%d" % i for i in range(1, 7)]
    try:
        for ident in idents:
            write_job(folder, ident)
        with open(os.path.join(folder, "broken.json"), "w") as f:
            f.write('{"identifier": "test-sched-broken"}')

        def two_schedulers():
            procs = [subprocess.Popen(
                [ctx.etl_path, "schedule", "--once", "--workers", "2"],
                cwd=ctx.root, env=ctx.env({"ODP_JOBS_DIR": folder}),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
            outs = [p.communicate(timeout=PATIENCE)[1] for p in procs]
            for p, err in zip(procs, outs):
                assert p.returncode == 0, (p.returncode, err)
            return outs

        # Jobs never run are due at once.
        outs = two_schedulers()
        for ident in idents:
            assert [s for s, _ in runs(ctx, ident)] == ["succeeded"], runs(ctx, ident)
        # The invalid file is reported with its problems and skipped.
        assert any("broken.json: $.title: missing key" in e for e in outs), outs
        assert ctx.sql_value("SELECT count(*) FROM jobs WHERE identifier ="
                             " 'test-sched-broken'") == "0"

        # Due again by their schedule: one more run each.
        for ident in idents:
            make_due(ctx, ident)
        two_schedulers()
        for ident in idents:
            assert [s for s, _ in runs(ctx, ident)] == ["succeeded", "unchanged"], \
                runs(ctx, ident)
            next_run, claimed_by, attempts = job_row(
                ctx, ident, "next_run_at > now(), claimed_by IS NULL, attempts")
            assert (next_run, claimed_by, attempts) == ("t", "t", "0"), \
                (ident, next_run, claimed_by, attempts)
    finally:
        for ident in idents:
            drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_schedule_is_read_in_paris_time(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-paris"
    try:
        write_job(folder, ident, schedule="30 2 * * *")
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr
        local, later = job_row(
            ctx, ident,
            "to_char(next_run_at AT TIME ZONE 'Europe/Paris', 'HH24:MI'),"
            " next_run_at > now() AND next_run_at <= now() + interval '1 day'")
        assert (local, later) == ("02:30", "t"), (local, later)
        p = schedule_once(ctx, folder, env={"ODP_TIMEZONE": "America/New_York"})
        assert p.returncode == 0, p.stderr
        # The schedule did not change: the next run stays where it was.
        assert job_row(ctx, ident, "to_char(next_run_at AT TIME ZONE"
                       " 'Europe/Paris', 'HH24:MI')")[0] == "02:30"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_run_past_its_deadline_is_stopped_and_previous_version_served(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-timeout"
    try:
        write_job(folder, ident)
        p = schedule_once(ctx, folder)   # never run: due at once
        assert p.returncode == 0, p.stderr
        version = current_version(ctx, ident)
        assert served_records(ctx, ident) == 3

        # A source far too big to load within one second.
        write_job(folder, ident, rows=1000000, timeout=1)
        make_due(ctx, ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "went past its deadline of 1 s" in p.stderr, p.stderr

        statuses = runs(ctx, ident)
        assert [s for s, _ in statuses] == ["succeeded", "timed_out"], statuses
        message = statuses[1][1]
        assert message.startswith("timed out: the run went past its deadline"
                                  " of 1 s and was stopped"), message
        assert "the previous version stays published" in message, message
        assert ctx.sql_value(
            "SELECT bool_and(finished_at IS NOT NULL) FROM job_runs r JOIN jobs j"
            " ON j.id = r.job_id WHERE j.identifier = '%s'" % ident) == "t"
        assert loading_versions(ctx, ident) == "0"
        assert current_version(ctx, ident) == version
        assert served_records(ctx, ident) == 3
        # A timeout counts as a failure: it is retried later.
        attempts, retrying = job_row(ctx, ident, "attempts, retry_at > now()")
        assert (attempts, retrying) == ("1", "t"), (attempts, retrying)
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_failed_run_is_retried_later_each_time(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-retry"

    def delay_after_last_run():
        return float(ctx.sql_value(
            "SELECT extract(epoch FROM j.retry_at - r.finished_at) FROM jobs j"
            " JOIN job_runs r ON r.job_id = j.id WHERE j.identifier = '%s'"
            " ORDER BY r.id DESC LIMIT 1" % ident))

    try:
        write_job(folder, ident, rows=None, retries=2)   # the CSV is missing
        p = schedule_once(ctx, folder)
        assert p.returncode == 1, (p.returncode, p.stderr)
        assert "trying again in 60 s" in p.stderr, p.stderr
        attempts, retrying = job_row(ctx, ident, "attempts, retry_at > now()")
        assert (attempts, retrying) == ("1", "t"), (attempts, retrying)
        first = delay_after_last_run()
        assert 60 <= first < 120, first

        # Not due before retry_at: another scheduler leaves it alone.
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr
        assert len(runs(ctx, ident)) == 1, runs(ctx, ident)

        ctx.sql("UPDATE jobs SET retry_at = now() - interval '1 second'"
                " WHERE identifier = '%s'" % ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 1, p.stderr
        assert "trying again in 120 s" in p.stderr, p.stderr
        attempts, retrying = job_row(ctx, ident, "attempts, retry_at > now()")
        assert (attempts, retrying) == ("2", "t"), (attempts, retrying)
        second = delay_after_last_run()
        assert second >= 120 and second > first, (first, second)

        # The last of the two retries fails: no retry is left.
        ctx.sql("UPDATE jobs SET retry_at = now() - interval '1 second'"
                " WHERE identifier = '%s'" % ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 1, p.stderr
        assert "no retry left" in p.stderr, p.stderr
        attempts, retry_at = job_row(ctx, ident, "attempts, retry_at IS NULL")
        assert (attempts, retry_at) == ("3", "t"), (attempts, retry_at)
        assert [s for s, _ in runs(ctx, ident)] == ["failed"] * 3
        doc = json.loads(ctx.etl("status", "--json").stdout)
        job = [j for j in doc["jobs"] if j["identifier"] == ident][0]
        assert job["state"] == "failing" and job["attempts"] == 3, job

        # Once the source is back, a success resets the count.
        write_csv(os.path.join(folder, ident + ".csv"), 3)
        make_due(ctx, ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr
        attempts, retry_at = job_row(ctx, ident, "attempts, retry_at IS NULL")
        assert (attempts, retry_at) == ("0", "t"), (attempts, retry_at)
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_sigterm_stops_the_scheduler_and_records_the_run(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-sigterm"
    proc = None
    try:
        write_job(folder, ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr
        version = current_version(ctx, ident)

        write_csv(os.path.join(folder, ident + ".csv"), 1000000)
        make_due(ctx, ident)
        proc = start_scheduler(ctx, folder, env={"ODP_SHUTDOWN_GRACE": "5"})
        wait_for("the scheduled run to start", lambda: len(runs(ctx, ident)) == 2
                 or proc.poll() is not None)
        assert proc.poll() is None, read_log(proc)
        assert runs(ctx, ident)[1][0] == "running", runs(ctx, ident)
        assert job_row(ctx, ident, "claimed_by IS NOT NULL")[0] == "t"
        doc = json.loads(ctx.etl("status", "--json").stdout)
        job = [j for j in doc["jobs"] if j["identifier"] == ident][0]
        assert job["state"] == "running", job

        # Due again while it runs: another scheduler leaves it alone.
        make_due(ctx, ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr
        assert len(runs(ctx, ident)) == 2, runs(ctx, ident)

        proc.send_signal(signal.SIGTERM)
        proc.wait(PATIENCE)
        log = read_log(proc)
        assert proc.returncode == 0, (proc.returncode, log)

        statuses = runs(ctx, ident)
        assert [s for s, _ in statuses] == ["succeeded", "failed"], (statuses, log)
        assert statuses[1][1].startswith(
            "interrupted: the scheduler was stopped during the run"), statuses
        assert loading_versions(ctx, ident) == "0"
        assert current_version(ctx, ident) == version
        assert served_records(ctx, ident) == 3
        # Not the job's fault: no failure counted, due again at once.
        attempts, due, claimed = job_row(
            ctx, ident, "attempts, retry_at <= now(), claimed_by IS NULL")
        assert (attempts, due, claimed) == ("0", "t", "t"), (attempts, due, claimed)
    finally:
        if proc:
            stop_scheduler(proc)
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_job_of_a_scheduler_killed_outright_runs_again(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-orphan"
    proc = None
    try:
        write_job(folder, ident, rows=1000000)
        proc = start_scheduler(ctx, folder)
        wait_for("the run to start", lambda: runs(ctx, ident) or proc.poll() is not None)
        assert proc.poll() is None, read_log(proc)
        proc.kill()
        proc.wait()
        # The run learns that its scheduler is gone, and stops cleanly.
        wait_for("the run to stop", lambda: runs(ctx, ident)[0][0] != "running")
        assert runs(ctx, ident)[0][0] == "failed", runs(ctx, ident)
        assert loading_versions(ctx, ident) == "0"

        # The next scheduler takes the job over at once.
        write_job(folder, ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr
        assert "its scheduler" in p.stderr and "stopped during the run" in p.stderr, \
            p.stderr
        assert [s for s, _ in runs(ctx, ident)] == ["failed", "succeeded"], runs(ctx, ident)
        assert job_row(ctx, ident, "claimed_by IS NULL")[0] == "t"
    finally:
        if proc:
            stop_scheduler(proc)
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_changed_job_file_is_read_again(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-reload"
    proc = None
    try:
        path = write_job(folder, ident)
        proc = start_scheduler(ctx, folder, "--interval", "1")
        wait_for("the first run", lambda: runs(ctx, ident) or proc.poll() is not None)
        assert proc.poll() is None, read_log(proc)
        wait_for("the run to end", lambda: runs(ctx, ident)[0][0] != "running")
        assert runs(ctx, ident)[0][0] == "succeeded", (runs(ctx, ident), read_log(proc))

        write_job(folder, ident, schedule="15 4 * * *", timeout=120, retries=1)
        os.utime(path, (time.time() + 5, time.time() + 5))   # a new mtime
        wait_for("the new schedule", lambda: job_row(
            ctx, ident, "next_run_schedule")[0] == "15 4 * * *")
        row = job_row(ctx, ident, "schedule, timeout_seconds, max_retries,"
                      " to_char(next_run_at AT TIME ZONE 'Europe/Paris', 'HH24:MI')")
        assert row == ("15 4 * * *", "120", "1", "04:15"), row
        assert 'job file "%s" changed' % path in read_log(proc), read_log(proc)
        assert len(runs(ctx, ident)) == 1, runs(ctx, ident)
    finally:
        if proc:
            stop_scheduler(proc)
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_status_lists_last_and_next_run(ctx):
    folder = tempfile.mkdtemp(prefix="odp-sched-")
    ident = "test-sched-status"
    try:
        write_job(folder, ident)
        p = schedule_once(ctx, folder)
        assert p.returncode == 0, p.stderr

        p = ctx.etl("status")
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert lines[0].split() == ["JOB", "STATE", "LAST", "RUN", "ROWS",
                                    "NEXT", "RUN", "MESSAGE"], lines[0]
        line = [l for l in lines if l.startswith(ident + " ")]
        assert len(line) == 1, p.stdout
        next_year = datetime.date.today().year + 1
        fields = line[0].split()
        assert fields[1:6] == ["idle", "succeeded", fields[3], fields[4], "3"], fields
        assert fields[6:8] == ["%d-01-01" % next_year, "00:00"], fields
        assert " published: 3 features read" in line[0], line[0]
        # Every job of the catalogue, by identifier.
        idents = [r[0] for r in ctx.sql("SELECT identifier FROM jobs ORDER BY 1")]
        assert [l.split()[0] for l in lines[1:]] == idents, (idents, p.stdout)

        p = ctx.etl("status", "--json")
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        assert doc["timezone"] == "Europe/Paris", doc
        assert [j["identifier"] for j in doc["jobs"]] == idents, doc
        job = [j for j in doc["jobs"] if j["identifier"] == ident][0]
        assert job["state"] == "idle" and job["schedule"] == YEARLY, job
        assert job["next_run_at"] == "%d-01-01T00:00:00+01:00" % next_year, job
        assert job["last_run"]["status"] == "succeeded", job
        assert job["last_run"]["rows_loaded"] == 3, job
        assert job["attempts"] == 0 and job["retry_at"] is None, job
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)
