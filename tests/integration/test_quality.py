"""test_quality.py: the data.gouv.fr quality criteria in GET /datasets/{id}.

The demo datasets must meet all nine; a dataset whose job leaves things out
gets the missing items named, and each criterion follows the catalogue
when the catalogue changes (a link check, an export computed, an old
modification date).
"""

import json
import os
import shutil

from test_etl import drop_dataset, temp_job

DEMO = os.path.join("etl", "jobs", "demo")
PARKINGS_SOURCE = os.path.join(DEMO, "data", "parkings.geojson")
CRITERIA = ["license", "temporal_coverage", "spatial", "update_frequency",
            "update_fulfilled_in_time", "dataset_description_quality",
            "has_open_format", "all_resources_available",
            "resources_documentation"]


def quality(ctx, ident):
    r = ctx.get("/datasets/" + ident)
    assert r.status == 200, (ident, r.status, r.body[:300])
    q = r.json()["quality"]
    assert set(q) == {"score", "max", "criteria", "missing"}, q
    assert list(q["criteria"]) == CRITERIA, list(q["criteria"])
    assert q["max"] == 9, q
    assert q["score"] == sum(q["criteria"].values()), q
    assert len(q["missing"]) == 9 - q["score"], q
    return q


def demo_ids(ctx):
    ids = []
    for name in sorted(os.listdir(os.path.join(ctx.root, DEMO))):
        if name.endswith(".json"):
            with open(os.path.join(ctx.root, DEMO, name)) as f:
                ids.append(json.load(f)["identifier"])
    return ids


def test_every_demo_dataset_meets_all_nine_criteria(ctx):
    ids = demo_ids(ctx)
    assert len(ids) >= 3, ids
    for ident in ids:
        q = quality(ctx, ident)
        assert q["score"] == 9 and q["missing"] == [], (ident, q)


def missing_items(q, *needles):
    """The missing items, each checked to contain one of needles in turn."""
    assert len(q["missing"]) == len(needles), q["missing"]
    for item, needle in zip(q["missing"], needles):
        assert needle in item, (needle, item)


def test_missing_items_are_named(ctx):
    ident = "test-quality-missing"
    path = temp_job(
        ident, os.path.join(ctx.root, PARKINGS_SOURCE), key="id",
        description="Trop court.",
        distributions=[{"identifier": "notice", "title": "Notice",
                        "url": "http://127.0.0.1:9/notice.pdf",
                        "format": "PDF"}])
    folder = os.path.dirname(path)
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        # Whatever the link check found, this test says what it found.
        ctx.sql("UPDATE distributions SET reachable = false, checked_at = now()"
                " WHERE identifier = 'notice' AND dataset_id = (SELECT id FROM"
                " datasets WHERE identifier = '%s')" % ident)
        ctx.sql("UPDATE distributions SET version_id = d.current_version_id,"
                " byte_size = coalesce(byte_size, 1)"
                " FROM datasets d WHERE d.id = distributions.dataset_id"
                " AND d.identifier = '%s' AND kind = 'export'" % ident)
        q = quality(ctx, ident)
        c = q["criteria"]
        assert c["license"] and c["spatial"] and c["has_open_format"], q
        assert not c["temporal_coverage"] and not c["update_frequency"], q
        assert not c["update_fulfilled_in_time"], q
        assert not c["dataset_description_quality"], q
        assert not c["all_resources_available"], q
        assert not c["resources_documentation"], q
        assert q["score"] == 3, q
        missing_items(q, "temporal coverage", 'set "frequency"',
                      'no "frequency" to keep to',
                      "more than 100 characters: it has 11",
                      "all distributions reachable: notice (unreachable at "
                      "the last link check)",
                      'set "documentation"')

        # The job completed: every criterion but the link check is met.
        with open(path) as f:
            job = json.load(f)
        job.update(description="Une description qui dépasse les cent "
                   "caractères demandés par data.gouv.fr, pour que les "
                   "réutilisateurs sachent ce qu'ils téléchargent.",
                   frequency="daily", temporal={"start": "2024-01-01",
                                                "end": "2024-12-31"})
        job["distributions"][0]["description"] = "Le sens de chaque colonne."
        with open(path, "w") as f:
            json.dump(job, f, ensure_ascii=False)
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        ctx.sql("UPDATE distributions SET reachable = false"
                " WHERE identifier = 'notice' AND dataset_id = (SELECT id FROM"
                " datasets WHERE identifier = '%s')" % ident)
        q = quality(ctx, ident)
        assert q["score"] == 8, q
        missing_items(q, "notice (unreachable")

        # Found by the link check: nine.
        ctx.sql("UPDATE distributions SET reachable = true"
                " WHERE identifier = 'notice' AND dataset_id = (SELECT id FROM"
                " datasets WHERE identifier = '%s')" % ident)
        assert quality(ctx, ident)["score"] == 9

        # Not checked yet does not count as reachable.
        ctx.sql("UPDATE distributions SET reachable = NULL"
                " WHERE identifier = 'notice' AND dataset_id = (SELECT id FROM"
                " datasets WHERE identifier = '%s')" % ident)
        missing_items(quality(ctx, ident), "notice (not checked yet)")
        ctx.sql("UPDATE distributions SET reachable = true"
                " WHERE identifier = 'notice' AND dataset_id = (SELECT id FROM"
                " datasets WHERE identifier = '%s')" % ident)

        # An export of an older version is not the current one's.
        ctx.sql("UPDATE distributions SET version_id = NULL"
                " WHERE identifier = 'records-geojson' AND dataset_id = (SELECT"
                " id FROM datasets WHERE identifier = '%s')" % ident)
        missing_items(quality(ctx, ident), "records-geojson (not computed yet")

        # A daily dataset whose content has not changed for three days is
        # late: the day it was due is named.
        ctx.sql("UPDATE distributions SET version_id = d.current_version_id"
                " FROM datasets d WHERE d.id = distributions.dataset_id"
                " AND d.identifier = '%s' AND kind = 'export'" % ident)
        ctx.sql("UPDATE datasets SET modified = '2025-03-10 12:00+00'"
                " WHERE identifier = '%s'" % ident)
        missing_items(quality(ctx, ident),
                      "update on time: the content last changed on "
                      "2025-03-10; a daily dataset was due to change by "
                      "2025-03-11")
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)
