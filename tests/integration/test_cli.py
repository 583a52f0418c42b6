"""test_cli.py: odp-etl's command line: help, usage errors, exit codes,
the progress shown on a terminal."""

import json
import os
import pty
import shutil
import subprocess
import tempfile


def test_every_command_has_help(ctx):
    for args in (["--help"], ["migrate", "--help"], ["validate", "--help"],
                 ["run", "--help"]):
        p = ctx.etl(*args)
        assert p.returncode == 0, (args, p.returncode, p.stderr)
        assert "usage: odp-etl" in p.stdout, (args, p.stdout)


def test_unknown_command_is_a_usage_error(ctx):
    p = ctx.etl("harvest")
    assert p.returncode == 2, p.returncode
    assert 'unknown command "harvest"' in p.stderr, p.stderr


def test_run_without_a_job_is_a_usage_error(ctx):
    p = ctx.etl("run")
    assert p.returncode == 2, p.returncode
    assert "usage: odp-etl run" in p.stderr, p.stderr


def test_unreachable_database_exits_4_without_the_connection_string(ctx):
    secret = "s3cr3t-password"
    url = "host=/nonexistent port=1 dbname=odp user=odp password=" + secret
    p = ctx.etl("run", "etl/jobs/demo/parkings-grand-poitiers.json",
                env={"ODP_DATABASE_URL": url})
    assert p.returncode == 4, (p.returncode, p.stderr)
    assert "could not connect to the database" in p.stderr, p.stderr
    assert secret not in p.stderr + p.stdout, "the password reached the log"


def test_validate_accepts_the_demo_jobs(ctx):
    demo = os.path.join(ctx.root, "etl", "jobs", "demo")
    files = sorted(os.path.join(demo, f) for f in os.listdir(demo)
                   if f.endswith(".json"))
    assert len(files) >= 3, files
    p = ctx.etl("validate", *files)
    assert p.returncode == 0, p.stderr
    assert p.stdout.count(": ok") == len(files), p.stdout


def test_dry_run_shows_detected_schema_and_writes_nothing(ctx):
    runs_before = ctx.sql_value("SELECT count(*) FROM job_runs")
    # No database is needed: point it nowhere to prove nothing is written.
    p = ctx.etl("run", "--dry-run", "etl/jobs/demo/equipements-publics.json",
                env={"ODP_DATABASE_URL": "host=/nonexistent port=1 dbname=x"})
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "driver CSV" in out and "CRS EPSG:4326" in out, out
    assert "records:   12" in out, out
    assert 'surface_m2' in out and 'from "Surface (m²)" (inferred from text)' in out, out
    assert "date_d_ouverture             date" in out, out
    assert "record 1: id=EQ-001" in out and "latitude = 46.58223" in out, out
    assert "nothing was written" in out, out
    assert ctx.sql_value("SELECT count(*) FROM job_runs") == runs_before


def test_dry_run_of_a_missing_source_fails_with_the_reason(ctx):
    from test_etl import temp_job
    import shutil
    path = temp_job("test-dry-missing", "/nonexistent/parkings.geojson")
    try:
        p = ctx.etl("run", "--dry-run", path)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert 'could not open source "' in p.stdout and "parkings.geojson" in p.stdout, p.stdout
        assert "No such file" in p.stdout, p.stdout
    finally:
        shutil.rmtree(os.path.dirname(path))


def run_on_terminal(ctx, *args):
    """Runs odp-etl ARGS with standard error on a pseudo-terminal, as a
    data referent does; returns (exit status, what the terminal got)."""
    main, sub = pty.openpty()
    p = subprocess.Popen([ctx.etl_path] + list(args), cwd=ctx.root,
                         env=ctx.env({"ODP_LOG_LEVEL": "info"}),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=sub)
    os.close(sub)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    return p.wait(120), out.decode("utf-8", "replace")


def test_run_on_a_terminal_shows_progress_and_in_a_pipe_log_lines(ctx):
    from test_etl import drop_dataset, temp_job
    ident = "test-cli-progress"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    n = 3000
    src = os.path.join(folder, "points.geojson")
    with open(src, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "P%d" % i, "n": i},
             "geometry": {"type": "Point", "coordinates": [0.3 + i * 1e-5, 46.5]}}
            for i in range(n)]}, f)
    path = temp_job(ident, src, key="code")
    try:
        status, out = run_on_terminal(ctx, "run", path)
        assert status == 0, out
        # The bar, redrawn in place, ends full with the count and the
        # rate; then the phases after the load say what they do.
        assert "\r  [" + "=" * 30 + "] 100%% %d/%d features" % (n, n) in out, out
        assert "indexing %d rows (spatial index, record keys)..." % n in out, out
        assert "exports: %d/%d rows (100%%)" % (n, n) in out, out
        assert 'job "%s": published: %d features read' % (ident, n) in out, out
        # In a pipe: the log lines only, no bar.
        drop_dataset(ctx, ident)
        p = ctx.etl("run", path, env={"ODP_LOG_LEVEL": "info"})
        assert p.returncode == 0, p.stderr
        assert "\r" not in p.stderr and "features, " not in p.stderr, p.stderr
        assert 'job "%s": published: %d features read' % (ident, n) in p.stderr, p.stderr
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
