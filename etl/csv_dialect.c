/*
 * csv_dialect.c: pipe-separated CSV files (see csv_dialect.h).
 *
 * The copy streams one record at a time through GDAL's own CSV tokenizer,
 * which honours quotes, so values holding "|", ";" or line breaks survive;
 * they are quoted again in the copy.
 */
#include "csv_dialect.h"

#include "odp.h"
#include "sb.h"
#include "util.h"

#include <cpl_csv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Longest line looked at to tell the separator, and longest record. */
#define CSV_HEADER_MAX 65536
#define CSV_RECORD_MAX (1 << 20)

static bool is_csv_name(const char *path)
{
	size_t len = strlen(path);
	return len > 4 && strcasecmp(path + len - 4, ".csv") == 0;
}

/* True when the header separates with "|" and with none of the separators
 * GDAL detects; quoted text does not count. */
static bool header_is_piped(const char *path)
{
	FILE *f = fopen(path, "rb");
	char line[CSV_HEADER_MAX];
	size_t n_pipe = 0, n_other = 0;
	bool quoted = false;
	const char *p;

	if (!f)
		return false;
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	p = strncmp(line, "\xEF\xBB\xBF", 3) == 0 ? line + 3 : line;
	for (; *p && *p != '\n' && *p != '\r'; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '|')
			n_pipe++;
		else if (!quoted && (*p == ',' || *p == ';' || *p == '\t'))
			n_other++;
	}
	return n_pipe > 0 && n_other == 0;
}

static void put_field(struct sb *out, const char *v)
{
	const char *p;

	if (!strpbrk(v, ";\"\r\n")) {
		sb_puts(out, v);
		return;
	}
	sb_putc(out, '"');
	for (p = v; *p; p++) {
		if (*p == '"')
			sb_putc(out, '"');
		sb_putc(out, *p);
	}
	sb_putc(out, '"');
}

char *csv_copy_if_piped(const char *path, char *errbuf)
{
	const char *tmp = getenv("TMPDIR"), *base = strrchr(path, '/');
	char *dir = NULL, *copy = NULL, **tokens;
	VSILFILE *in = NULL;
	FILE *out = NULL;
	struct sb line, name;
	bool ok = false;

	errbuf[0] = '\0';
	if (!is_csv_name(path) || !header_is_piped(path))
		return NULL;
	sb_init(&line, CSV_RECORD_MAX);
	sb_init(&name, 4096);
	sb_printf(&name, "%s/odp-csv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	dir = sb_steal(&name);
	if (!mkdtemp(dir)) {
		util_seterr(errbuf, "could not make a folder for a copy of \"%s\" "
			    "with \";\" between its columns: %s", path,
			    strerror(errno));
		goto out;
	}
	sb_printf(&name, "%s/%s", dir, base ? base + 1 : path);
	copy = sb_steal(&name);
	in = VSIFOpenL(path, "rb");
	out = fopen(copy, "wb");
	if (!in || !out) {
		util_seterr(errbuf, "could not copy \"%s\": %s", path,
			    strerror(errno));
		goto out;
	}
	while ((tokens = CSVReadParseLine3L(in, CSV_RECORD_MAX, "|", true, false,
					    false, true)) != NULL) {
		int i;
		sb_reset(&line);
		for (i = 0; tokens[i]; i++) {
			if (i)
				sb_putc(&line, ';');
			put_field(&line, tokens[i]);
		}
		sb_putc(&line, '\n');
		CSLDestroy(tokens);
		if (sb_failed(&line) ||
		    fwrite(line.buf, 1, line.len, out) != line.len) {
			util_seterr(errbuf, "could not copy \"%s\": %s", path,
				    sb_failed(&line) ? "a record is too long"
						     : strerror(errno));
			goto out;
		}
	}
	ok = true;
out:
	if (in)
		VSIFCloseL(in);
	if (out && fclose(out) != 0 && ok) {
		util_seterr(errbuf, "could not copy \"%s\": %s", path,
			    strerror(errno));
		ok = false;
	}
	sb_free(&line);
	sb_free(&name);
	if (!ok && copy) {
		csv_remove_copy(copy);
		free(copy);
		copy = NULL;
	} else if (!ok && dir) {
		rmdir(dir);
	}
	free(dir);
	return copy;
}

void csv_remove_copy(const char *copy)
{
	char *dir = xstrdup(copy), *slash = strrchr(dir, '/');

	unlink(copy);
	if (slash) {
		*slash = '\0';
		rmdir(dir);
	}
	free(dir);
}
