/*
 * fingerprint.h: a digest of what a run would read, taken before reading.
 *
 * For a job whose source is local files, the SHA-256 of the job's
 * content-bearing keys (source, transform, key) and of every file of the
 * source (a shapefile's .shp, .dbf, .prj, .cpg...; every file of a .gdb
 * folder).  When it equals the published version's, the run is "unchanged"
 * without opening the source: reading a file to hash it is many times
 * cheaper than decoding it through GDAL.
 */
#ifndef ODP_FINGERPRINT_H
#define ODP_FINGERPRINT_H

#include "job.h"

#include <stdbool.h>

/* Writes the hex digest into out (65 bytes) and returns true, or returns
 * false when the source is not local files (a database, a web service) or
 * cannot be read, in which case the run reads the source as usual. */
bool fingerprint_job(const struct job *job, char out[65]);

#endif
