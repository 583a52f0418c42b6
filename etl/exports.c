/*
 * exports.c: measuring and publishing the export distributions (see
 * exports.h).
 *
 * Both formats come from one COPY of the version's table: each chunk the
 * renderer hands over is counted and fed to OpenSSL's SHA-256, and
 * nothing is kept, so memory does not grow with the dataset.  The read
 * runs in a READ ONLY transaction of its own because the renderer's
 * settings are SET LOCAL.
 */
#include "exports.h"

#include "db.h"
#include "linkcheck.h"
#include "log.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the catalogue says of each export, beside its identifier, title
 * and format in exports_publish(). */
static const char *const descriptions[EXPORT_N_FORMATS] = {
	[EXPORT_GEOJSON] =
		"Tous les enregistrements de la version publiée, au format "
		"GeoJSON (RFC 7946) : une entité par enregistrement, "
		"coordonnées en WGS 84 (EPSG:4326).",
	[EXPORT_CSV] =
		"Tous les enregistrements de la version publiée, au format "
		"CSV (RFC 4180, UTF-8, séparateur virgule, ligne d'en-tête "
		"avec les noms des colonnes) ; géométrie en WGS 84 "
		"(EPSG:4326) dans les trois dernières colonnes : longitude "
		"et latitude d'un point, wkt pour toute géométrie (texte "
		"WKT).",
};

void exports_digests_free(struct exports_digests *d)
{
	int f;

	for (f = 0; f < EXPORT_N_FORMATS; f++) {
		EVP_MD_CTX_free(d->of[f].md);
		d->of[f].md = NULL;
	}
}

static void digest_write(void *cls, const char *buf, size_t len)
{
	struct exports_digest *digest = cls;

	EVP_DigestUpdate(digest->md, buf, len);
	digest->n += (int64_t)len;
}

bool exports_digests_init(struct exports_digests *d, char *errbuf)
{
	int f;

	memset(d, 0, sizeof *d);
	for (f = 0; f < EXPORT_N_FORMATS; f++) {
		d->of[f].md = EVP_MD_CTX_new();
		if (!d->of[f].md ||
		    EVP_DigestInit_ex(d->of[f].md, EVP_sha256(), NULL) != 1) {
			util_seterr(errbuf, "could not start a SHA-256 digest");
			exports_digests_free(d);
			return false;
		}
		d->sinks[f].write = digest_write;
		d->sinks[f].cls = &d->of[f];
	}
	return true;
}

bool exports_digests_finish(struct exports_digests *d, int64_t version_id,
			    struct exports_measure *out, char *errbuf)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len, i;
	int f;

	memset(out, 0, sizeof *out);
	for (f = 0; f < EXPORT_N_FORMATS; f++) {
		if (EVP_DigestFinal_ex(d->of[f].md, md, &md_len) != 1) {
			util_seterr(errbuf, "could not finish a SHA-256 digest");
			return false;
		}
		for (i = 0; i < md_len && i < 32; i++)
			snprintf(out->sha256[f] + 2 * i, 3, "%02x", md[i]);
		out->byte_size[f] = d->of[f].n;
	}
	out->version_id = version_id;
	return true;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void exports_draw_progress(int64_t done, int64_t total, bool last)
{
	if (total > 0)
		fprintf(stderr, "\r  exports: %lld/%lld rows (%d%%)   ",
			(long long)done, (long long)total,
			(int)(100 * (done < total ? done : total) / total));
	else
		fprintf(stderr, "\r  exports: %lld rows   ", (long long)done);
	if (last)
		fputc('\n', stderr);
}

/* "45.3 MB" */
static void human_size(int64_t n, char *buf, size_t size)
{
	if (n >= 1000000)
		snprintf(buf, size, "%.1f MB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(buf, size, "%.1f kB", (double)n / 1e3);
	else
		snprintf(buf, size, "%lld bytes", (long long)n);
}

void exports_log(const struct exports_measure *m, int64_t rows,
		 double seconds, const char *how)
{
	char size[EXPORT_N_FORMATS][32];

	human_size(m->byte_size[EXPORT_GEOJSON], size[0], sizeof size[0]);
	human_size(m->byte_size[EXPORT_CSV], size[1], sizeof size[1]);
	log_info("exports of version %lld: GeoJSON %s, CSV %s, %lld rows "
		 "%s in %.2f s", (long long)m->version_id, size[0], size[1],
		 (long long)rows, how, seconds);
}

enum odp_status exports_measure(PGconn *conn, int64_t version_id,
				int64_t n_rows, bool progress,
				struct exports_measure *out, char *errbuf)
{
	struct exports_digests d;
	char sqlstate[6];
	struct export *e = NULL;
	double started = now_seconds();
	time_t last_draw = 0;
	enum odp_status rc = ODP_ERR_DB;
	int step;

	memset(out, 0, sizeof *out);
	if (!exports_digests_init(&d, errbuf))
		return ODP_ERR_DB;
	if (db_exec(conn, "BEGIN READ ONLY", errbuf) != ODP_OK)
		goto out;
	e = export_open(conn, version_id, d.sinks, EXPORTS_CHUNK, errbuf,
			sqlstate);
	if (!e)
		goto out;
	while ((step = export_step(e, errbuf)) > 0) {
		if (progress && time(NULL) != last_draw) {
			last_draw = time(NULL);
			exports_draw_progress(export_rows(e), n_rows, false);
		}
	}
	if (step < 0)
		goto out;
	if (progress)
		exports_draw_progress(export_rows(e), n_rows, true);
	if (!exports_digests_finish(&d, version_id, out, errbuf))
		goto out;
	exports_log(out, export_rows(e), now_seconds() - started,
		    "read back from the table");
	rc = ODP_OK;
out:
	export_close(e);
	if (PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, rc == ODP_OK ? "COMMIT" : "ROLLBACK"));
	exports_digests_free(&d);
	return rc;
}

enum odp_status exports_publish(PGconn *conn, int64_t dataset_id,
				const struct exports_measure *m,
				char *errbuf)
{
	char ds_id[24], ver_id[24], geojson_size[24], csv_size[24];
	const char *p[8] = {ds_id, ver_id,
			    geojson_size, m->sha256[EXPORT_GEOJSON],
			    csv_size, m->sha256[EXPORT_CSV],
			    descriptions[EXPORT_GEOJSON],
			    descriptions[EXPORT_CSV]};
	PGresult *res;

	util_format_int64(dataset_id, ds_id);
	util_format_int64(m->version_id, ver_id);
	util_format_int64(m->byte_size[EXPORT_GEOJSON], geojson_size);
	util_format_int64(m->byte_size[EXPORT_CSV], csv_size);
	/* Paths are below the API's base URL; the GeoJSON comes first. */
	res = db_query(conn,
		       "INSERT INTO distributions (dataset_id, identifier, "
		       "kind, title, description, format, media_type, path, "
		       "url, byte_size, checksum_sha256, version_id, position) "
		       "SELECT d.id, x.identifier, 'export', x.title, "
		       "x.description, x.format, x.media_type, "
		       "'/datasets/' || d.identifier || x.suffix, NULL, "
		       "x.byte_size, x.checksum, $2::int8, x.position "
		       "FROM datasets d, (VALUES "
		       "('records-geojson', 'Export GeoJSON', $7, 'GEOJSON', "
		       "'application/geo+json', '/records.geojson', "
		       "$3::int8, $4, 1), "
		       "('records-csv', 'Export CSV', $8, 'CSV', 'text/csv', "
		       "'/records.csv', $5::int8, $6, 2)) "
		       "AS x (identifier, title, description, format, "
		       "media_type, suffix, byte_size, checksum, position) "
		       "WHERE d.id = $1::int8 "
		       "ON CONFLICT (dataset_id, identifier) DO UPDATE SET "
		       "kind = EXCLUDED.kind, title = EXCLUDED.title, "
		       "description = EXCLUDED.description, "
		       "format = EXCLUDED.format, "
		       "media_type = EXCLUDED.media_type, path = EXCLUDED.path, "
		       "url = NULL, byte_size = EXCLUDED.byte_size, "
		       "checksum_sha256 = EXCLUDED.checksum_sha256, "
		       "version_id = EXCLUDED.version_id, "
		       "position = EXCLUDED.position",
		       8, p, errbuf);
	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	return ODP_OK;
}

/* Adds text to the warnings of run run_id, which is recorded already. */
static void add_run_warning(PGconn *conn, int64_t run_id, const char *text)
{
	char id[24], errbuf[ODP_ERRBUF_SIZE];
	const char *p[2] = {id, text};
	PGresult *res;

	log_warn("%s", text);
	util_format_int64(run_id, id);
	res = db_query(conn,
		       "UPDATE job_runs SET warnings = "
		       "array_append(warnings, $2) WHERE id = $1::int8",
		       2, p, errbuf);
	if (!res)
		log_error("could not record a warning of run %s: %s", id,
			  errbuf);
	PQclear(res);
}

/* The published version when its exports lack a size, else 0. */
static int64_t version_to_measure(PGconn *conn, int64_t dataset_id,
				  int64_t *n_rows, char *errbuf)
{
	char id[24];
	const char *p[1] = {id};
	int64_t version = 0;
	PGresult *res;

	util_format_int64(dataset_id, id);
	res = db_query(conn,
		       "SELECT d.current_version_id, d.record_count FROM datasets d "
		       "WHERE d.id = $1::int8 AND d.current_version_id IS NOT NULL "
		       "AND (SELECT count(*) FROM distributions x "
		       "WHERE x.dataset_id = d.id AND x.kind = 'export' "
		       "AND x.identifier IN ('records-geojson', 'records-csv') "
		       "AND x.version_id = d.current_version_id "
		       "AND x.byte_size IS NOT NULL "
		       "AND x.checksum_sha256 IS NOT NULL) < 2",
		       1, p, errbuf);
	if (!res)
		return -1;
	if (PQntuples(res) == 1) {
		util_parse_int64(PQgetvalue(res, 0, 0), &version);
		if (PQgetisnull(res, 0, 1) ||
		    !util_parse_int64(PQgetvalue(res, 0, 1), n_rows))
			*n_rows = 0;
	}
	PQclear(res);
	return version;
}

void exports_after_run(PGconn *conn, int64_t dataset_id, int64_t run_id,
		       bool progress)
{
	char errbuf[ODP_ERRBUF_SIZE], text[ODP_ERRBUF_SIZE + 64];
	struct exports_measure m;
	char **warnings = NULL;
	size_t n_warnings = 0, i;
	int64_t version, n_rows = 0;

	version = version_to_measure(conn, dataset_id, &n_rows, errbuf);
	if (version < 0) {
		snprintf(text, sizeof text, "could not look at the exports: %s",
			 errbuf);
		add_run_warning(conn, run_id, text);
	} else if (version > 0) {
		log_info("the exports of version %lld have no size yet: "
			 "measuring them", (long long)version);
		if (exports_measure(conn, version, n_rows, progress, &m,
				    errbuf) != ODP_OK ||
		    db_exec(conn, "BEGIN", errbuf) != ODP_OK ||
		    exports_publish(conn, dataset_id, &m, errbuf) != ODP_OK ||
		    db_exec(conn, "COMMIT", errbuf) != ODP_OK) {
			PQclear(PQexec(conn, "ROLLBACK"));
			snprintf(text, sizeof text, "the downloads have no "
				 "size or checksum: %s", errbuf);
			add_run_warning(conn, run_id, text);
		}
	}
	linkcheck_declared(conn, dataset_id, &warnings, &n_warnings);
	for (i = 0; i < n_warnings; i++) {
		add_run_warning(conn, run_id, warnings[i]);
		free(warnings[i]);
	}
	free(warnings);
}
