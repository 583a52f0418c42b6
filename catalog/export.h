/*
 * export.h: the full exports of a dataset version, GeoJSON and CSV.
 *
 * odp-api serves these bytes as the downloads the catalogue announces
 * (/datasets/{id}/records.geojson and records.csv), and odp-etl counts
 * them and hashes them (dcat:byteSize, spdx:checksum) before it publishes
 * the version.  Both go through this one renderer, so the size and
 * checksum announced are those of the bytes served: every row in _rownum
 * order, every value formatted here and nowhere else, nothing that
 * depends on the session (time zone, DateStyle, float digits).
 *
 * GeoJSON: {"type":"FeatureCollection","features":[...]}, one Feature per
 * row: {"type":"Feature","id":"<record id>","geometry":...,"properties":
 * {columns in catalogue order}}.  Integers and reals are numbers (reals
 * as the shortest plain decimal that reads back exactly, NaN and
 * infinities as strings, as row_to_json writes them), booleans
 * true/false, dates "YYYY-MM-DD",
 * timestamps in UTC "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", coordinates in
 * EPSG:4326 with at most 7 decimals.
 *
 * CSV (RFC 4180): UTF-8 without BOM, ',' separator, CRLF line ends, a
 * header of the column names, fields quoted only when they hold a comma,
 * a quote or a line break (quotes doubled); NULL is an empty field, an
 * empty text "".  Values as in the GeoJSON.  The geometry, in EPSG:4326,
 * ends every line in three columns whatever the data: "longitude" and
 * "latitude" of a point (empty for other geometries), what spreadsheets,
 * data.gouv.fr's tabular preview and most Etalab schemas read, and "wkt"
 * for any geometry, which GDAL and QGIS take as the geometry by itself.
 * The header never depends on the rows (a reuser's script does not break
 * when a layer of points gets its first polygon), and no scan of the
 * table has to come before the first byte.  A column of the dataset with
 * one of these names pushes the generated one to "_longitude",
 * "_latitude" or "_wkt".
 *
 * Rows are read with COPY ... TO STDOUT (FORMAT binary): the server sends
 * typed values and EWKB without formatting them, one row at a time, and
 * keeps producing while the client renders; memory holds one row and one
 * chunk of output per format.
 *
 * A change to any byte of this output makes the sizes and checksums in
 * the catalogue wrong for every dataset: ship it with a migration that
 * clears them (UPDATE distributions SET byte_size = NULL, checksum_sha256
 * = NULL WHERE kind = 'export'); the API then serves the downloads
 * without Content-Length, and each job's next run measures them again,
 * even a run that finds the source unchanged.
 */
#ifndef ODP_EXPORT_H
#define ODP_EXPORT_H

#include "odp.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum export_format { EXPORT_GEOJSON, EXPORT_CSV, EXPORT_N_FORMATS };

/* Where the bytes of one format go: write(cls, buf, len) receives them
 * in order, in chunks of about chunk bytes; buf is borrowed until the
 * next export_step() or export_close(). */
struct export_sink {
	void (*write)(void *cls, const char *buf, size_t len);
	void *cls;
};

struct export;

/* Starts the export of version version_id on conn (borrowed; it must be
 * inside a transaction, whose settings are changed with SET LOCAL, and is
 * in COPY until export_close()).  sinks[f] receives format f; a NULL
 * write skips the format, and both formats come from the same reading of
 * the rows.  chunk is the size of the pieces handed to the sinks.
 * Returns NULL with errbuf (ODP_ERRBUF_SIZE) set on failure; sqlstate (6
 * bytes) then holds the SQLSTATE of a statement that failed, or "". */
struct export *export_open(PGconn *conn, int64_t version_id,
			   const struct export_sink sinks[EXPORT_N_FORMATS],
			   size_t chunk, char *errbuf, char sqlstate[6]);

/* Renders rows until a chunk is ready, then hands it to the sinks.
 * Returns 1 while more is to come, 0 once the last bytes have been
 * handed over, -1 on failure (errbuf set; the export can only be
 * closed). */
int export_step(struct export *e, char *errbuf);

/* Starts the export of version version_id from the rows of its load
 * instead of its table: the bytes odp-etl sends with COPY ... FROM STDIN
 * (FORMAT binary) (copy.h), header first, whose rows carry _rownum after
 * _id.  They are the table's rows in _rownum order, so the output is
 * byte for byte that of export_open() once the table is loaded, without
 * the server reading it back.  conn is used here only, to read the
 * version's columns.  Returns NULL with errbuf set on failure. */
struct export *export_open_load(PGconn *conn, int64_t version_id,
				const struct export_sink sinks[EXPORT_N_FORMATS],
				size_t chunk, char *errbuf);

/* Renders the messages (header, rows, end marker) that p[0..len) holds
 * whole and hands the chunks ready to the sinks; returns the bytes used,
 * which the caller gives again with what follows, or -1 with errbuf set
 * when the stream is damaged.  After the end marker the tails are handed
 * over too and export_done() is true. */
int64_t export_feed(struct export *e, const unsigned char *p, size_t len,
		    char *errbuf);

/* Whether an export_feed() stream has ended. */
bool export_done(const struct export *e);

/* Rows rendered so far. */
int64_t export_rows(const struct export *e);

/* Ends the export; a COPY still running is cancelled and drained, so
 * that conn can be used again.  NULL is a no-op. */
void export_close(struct export *e);

/* The media type and file extension of format f. */
const char *export_media_type(enum export_format f);
const char *export_extension(enum export_format f);

#endif
