/*
 * dry_run.c: `odp-etl run --dry-run` (see dry_run.h).
 */
#include "dry_run.h"

#include "source.h"

#include <string.h>

/* Prints a value cut to a readable width. */
static void print_value(FILE *out, const char *v)
{
	if (!v)
		fputs("NULL", out);
	else if (strlen(v) > 60)
		fprintf(out, "%.57s...", v);
	else
		fputs(v, out);
}

enum odp_status dry_run(const struct job *job, size_t n_rows, FILE *out)
{
	char errbuf[ODP_ERRBUF_SIZE];
	const struct source_column *cols;
	struct source_row row;
	struct source *src;
	enum odp_status rc = ODP_OK;
	size_t i, n, shown = 0;
	int got;

	src = source_open(job, errbuf);
	if (!src || source_scan(src, errbuf) != ODP_OK) {
		fprintf(out, "%s: %s\n", job->file, errbuf);
		source_close(src);
		return ODP_ERR_SOURCE;
	}
	cols = source_columns(src);
	n = source_n_columns(src);
	fprintf(out, "job:       %s (%s)\n", job->identifier, job->file);
	fprintf(out, "source:    %s\n", source_description(src));
	if (*source_warning(src))
		fprintf(out, "warning:   %s\n", source_warning(src));
	if (source_n_features(src) >= 0)
		fprintf(out, "records:   %lld\n",
			(long long)source_n_features(src));
	fprintf(out, "columns:\n");
	for (i = 0; i < n; i++)
		fprintf(out, "  %-28s %-10s from \"%s\"%s\n", cols[i].name,
			source_type_name(cols[i].type), cols[i].source_name,
			cols[i].is_text_field && cols[i].type != COL_TEXT
				? " (inferred from text)" : "");
	while (shown < n_rows && (got = source_next(src, &row, errbuf)) == 1) {
		shown++;
		fprintf(out, "record %zu: id=", shown);
		print_value(out, row.id);
		if (row.reject) {
			fprintf(out, " REJECTED: %s\n", row.reject);
			continue;
		}
		if (row.filtered) {
			fputs(" (left out by the filter)\n", out);
			continue;
		}
		for (i = 0; i < n; i++) {
			fprintf(out, "\n  %s = ", cols[i].name);
			print_value(out, row.values[i]);
		}
		fprintf(out, "\n  geometry = %s\n",
			row.geometry ? "(EPSG:4326)" : "NULL");
	}
	if (shown < n_rows && got < 0) {
		fprintf(out, "%s: %s\n", job->file, errbuf);
		rc = ODP_ERR_SOURCE;
	}
	fputs("dry run: nothing was written\n", out);
	source_close(src);
	return rc;
}
