/*
 * csv_dialect.h: CSV files GDAL 3.6 cannot read as they are.
 *
 * GDAL's CSV driver detects ",", ";", tab and space between columns, not
 * "|", which exports of some business software use.  Such a file is copied,
 * record by record, into a ";"-separated file that GDAL reads.
 */
#ifndef ODP_CSV_DIALECT_H
#define ODP_CSV_DIALECT_H

/* When the CSV file at path separates its columns with "|", writes a
 * ";"-separated copy (same file name, in a new temporary folder) and returns
 * its path (the caller frees it after csv_remove_copy()).  Returns NULL when
 * the file needs no copy, or on failure with errbuf set (errbuf[0] is left
 * '\0' otherwise). */
char *csv_copy_if_piped(const char *path, char *errbuf);

/* Removes a copy made by csv_copy_if_piped() and its folder. */
void csv_remove_copy(const char *copy);

#endif
