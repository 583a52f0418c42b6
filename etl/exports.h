/*
 * exports.h: the export distributions of a dataset (records-geojson,
 * records-csv), measured at each new version.
 *
 * The catalogue announces each export's byte size and SHA-256 (DCAT-AP
 * dcat:byteSize, spdx:checksum).  They are computed by rendering the
 * exports with catalog/export.c, the renderer odp-api serves them with,
 * before the publishing transaction, which writes them with the version:
 * from the rows the load sent (exports_tee.h), or else read back from
 * the complete table (exports_measure).
 */
#ifndef ODP_ETL_EXPORTS_H
#define ODP_ETL_EXPORTS_H

#include "export.h"
#include "odp.h"

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

struct exports_measure {
	int64_t version_id;          /* 0: not measured */
	int64_t byte_size[EXPORT_N_FORMATS];
	char sha256[EXPORT_N_FORMATS][65];   /* lowercase hex */
};

/* Chunks of this size amortise the SHA-256 calls and the sink calls. */
#define EXPORTS_CHUNK ((size_t)256 << 10)

/* Sinks that count and hash what the renderer hands them, a format
 * each. */
struct exports_digest {
	EVP_MD_CTX *md;
	int64_t n;          /* bytes */
};

struct exports_digests {
	struct export_sink sinks[EXPORT_N_FORMATS];
	struct exports_digest of[EXPORT_N_FORMATS];
};

/* Ready d's sinks; false with errbuf set when OpenSSL cannot. */
bool exports_digests_init(struct exports_digests *d, char *errbuf);
/* The sizes and hex SHA-256 into *out, for version_id. */
bool exports_digests_finish(struct exports_digests *d, int64_t version_id,
			    struct exports_measure *out, char *errbuf);
void exports_digests_free(struct exports_digests *d);

/* The line on standard error that shows done rows of total (0:
 * unknown) rendered; last ends it. */
void exports_draw_progress(int64_t done, int64_t total, bool last);

/* Logs what m says, how the rows were read and how long it took. */
void exports_log(const struct exports_measure *m, int64_t rows,
		 double seconds, const char *how);

/* Renders both exports of version_id (its table complete) on conn, which
 * is outside any transaction, and fills *out.  With progress, a line on
 * standard error shows the rows done.  ODP_ERR_DB with errbuf set when
 * the rows cannot be read or rendered. */
enum odp_status exports_measure(PGconn *conn, int64_t version_id,
				int64_t n_rows, bool progress,
				struct exports_measure *out, char *errbuf);

/* Writes the two export distributions of dataset_id with m's sizes and
 * checksums (inside the caller's transaction). */
enum odp_status exports_publish(PGconn *conn, int64_t dataset_id,
				const struct exports_measure *m,
				char *errbuf);

/* After a run that succeeded, on conn outside any transaction: when the
 * export distributions of the published version lack their size (a
 * version published before odp measured exports, or rows removed by
 * hand), they are measured and written now; an unchanged run finds them
 * there and reads nothing.  Then the declared distributions' links are
 * checked (linkcheck.h).  Failures are logged and added to the warnings
 * of run run_id: the run stays a success. */
void exports_after_run(PGconn *conn, int64_t dataset_id, int64_t run_id,
		       bool progress);

#endif
