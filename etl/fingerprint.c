/*
 * fingerprint.c: digest of a job's local source files (see fingerprint.h).
 */
#include "fingerprint.h"

#include "sb.h"
#include "util.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Files hashed at most for one source (a .gdb folder holds dozens). */
#define FINGERPRINT_FILES_MAX 512

struct file_list {
	char *paths[FINGERPRINT_FILES_MAX];
	size_t n;
	bool overflow;
};

static void add_file(struct file_list *list, const char *path)
{
	if (list->n == FINGERPRINT_FILES_MAX) {
		list->overflow = true;
		return;
	}
	list->paths[list->n++] = xstrdup(path);
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir whose name starts with prefix (all of them
 * when prefix is NULL). */
static bool list_dir(const char *dir, const char *prefix,
		     struct file_list *list)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	struct sb path;

	if (!d)
		return false;
	sb_init(&path, 4096);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0))
			continue;
		sb_reset(&path);
		sb_printf(&path, "%s/%s", dir, e->d_name);
		if (!sb_failed(&path) && stat(path.buf, &st) == 0 &&
		    S_ISREG(st.st_mode))
			add_file(list, path.buf);
	}
	closedir(d);
	sb_free(&path);
	return true;
}

/* The files a GDAL source reads: a folder's files, or the file and its
 * sidecars (same name, other extension). */
static bool list_source_files(const char *path, struct file_list *list)
{
	struct stat st;
	char *dir, *stem, *slash, *dot;
	bool ok;

	if (stat(path, &st) != 0)
		return false;
	if (S_ISDIR(st.st_mode))
		return list_dir(path, NULL, list);
	if (!S_ISREG(st.st_mode))
		return false;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		stem = xstrdup(slash + 1);
	} else {
		stem = xstrdup(dir);
		util_strlcpy(dir, ".", strlen(dir) + 1);
	}
	dot = strrchr(stem, '.');
	if (dot)
		dot[1] = '\0';  /* "parkings." matches the sidecars */
	ok = list_dir(dir, stem, list);
	free(dir);
	free(stem);
	return ok;
}

static bool hash_file(EVP_MD_CTX *sha, const char *path)
{
	unsigned char buf[1 << 16];
	FILE *f = fopen(path, "rb");
	const char *name = strrchr(path, '/');
	size_t n;
	bool ok;

	if (!f)
		return false;
	name = name ? name + 1 : path;
	EVP_DigestUpdate(sha, name, strlen(name) + 1);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		EVP_DigestUpdate(sha, buf, n);
	ok = !ferror(f);
	fclose(f);
	return ok;
}

/* The job keys that change what is published (not its metadata), and
 * "temporal", whose column makes a coverage computed from the data. */
static char *content_keys(const struct job *job)
{
	static const char *const keys[] = {"source", "transform", "key",
					   "schema_policy", "max_rejected",
					   "temporal"};
	json_t *subset = json_object();
	char *text;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(job->definition, keys[i]);
		if (v)
			json_object_set(subset, keys[i], v);
	}
	text = json_dumps(subset, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(subset);
	return text;
}

bool fingerprint_job(const struct job *job, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	struct file_list list = {.n = 0};
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0, k;
	EVP_MD_CTX *sha = NULL;
	char *keys = NULL;
	bool ok = false;
	size_t i;

	if (strcmp(job->source.kind, "gdal") != 0 || !job->source.resolved_path ||
	    strncmp(job->source.resolved_path, "/vsi", 4) == 0 ||
	    strchr(job->source.resolved_path, ':') ||
	    job->source.n_config_options)
		return false;
	if (!list_source_files(job->source.resolved_path, &list) ||
	    list.overflow || list.n == 0)
		goto out;
	qsort(list.paths, list.n, sizeof list.paths[0], compare_paths);
	sha = EVP_MD_CTX_new();
	keys = content_keys(job);
	if (!sha || !keys || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1)
		goto out;
	EVP_DigestUpdate(sha, keys, strlen(keys) + 1);
	for (i = 0; i < list.n; i++)
		if (!hash_file(sha, list.paths[i]))
			goto out;
	EVP_DigestFinal_ex(sha, digest, &len);
	for (k = 0; k < len && k < 32; k++) {
		out[2 * k] = hex[digest[k] >> 4];
		out[2 * k + 1] = hex[digest[k] & 15];
	}
	out[64] = '\0';
	ok = true;
out:
	for (i = 0; i < list.n; i++)
		free(list.paths[i]);
	EVP_MD_CTX_free(sha);
	free(keys);
	return ok;
}
