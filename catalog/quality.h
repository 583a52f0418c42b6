/*
 * quality.h: the data.gouv.fr metadata quality score of a dataset.
 *
 * Nine criteria, one point each, named as udata names them (data.gouv.fr's
 * own "quality" object), so that a publisher reads the same score here and
 * once harvested:
 *
 *   license                      a licence is set
 *   temporal_coverage            a start date is known (computed or declared)
 *   spatial                      an extent from the data or INSEE URIs
 *   update_frequency             a frequency is set
 *   update_fulfilled_in_time     the content changed within its frequency,
 *                                one day of tolerance (udata's rule)
 *   dataset_description_quality  the description has more than 100
 *                                characters
 *   has_open_format              a distribution in an open format
 *   all_resources_available      every distribution reachable: an export
 *                                once its byte size is computed for the
 *                                current version, a declared file once the
 *                                link check found it (not checked yet does
 *                                not count: nobody knows it works)
 *   resources_documentation      a documentation URL, or a declared
 *                                distribution with a description
 *
 * "continuous" is held to one day: a real-time dataset whose content stood
 * still for two days is stale, where udata gives the point without
 * looking.  "irregular" and "never" promise no date, so they are on time
 * (as udata's irregular and punctual).  No frequency is never on time.
 *
 * The input is what QUALITY_SQL selects for one dataset; the computation
 * is pure, so that it can be tested without a database.
 */
#ifndef ODP_QUALITY_H
#define ODP_QUALITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUALITY_MAX 9

/* Description length (in characters) a dataset must exceed. */
#define QUALITY_DESCRIPTION_LENGTH 100

struct quality_distribution {
	const char *identifier;
	bool declared;        /* kind 'declared'; else an export */
	const char *format;   /* an EU file-type code */
	bool current;         /* export: describes the current version */
	bool sized;           /* export: its byte size is known */
	int reachable;        /* declared: 1 yes, 0 no, -1 not checked yet */
	bool described;       /* has a description */
};

struct quality_input {
	const char *licence;        /* NULL: none */
	const char *frequency;      /* a vocab_frequencies code, or NULL */
	int64_t description_length; /* in characters */
	const char *documentation;  /* a URL, or NULL */
	bool temporal;              /* a start date is known */
	bool spatial;               /* an extent or spatial URIs */
	int64_t modified;           /* last change of content, Unix time;
				       0: never published */
	int64_t now;                /* Unix time */
	const struct quality_distribution *distributions;
	size_t n_distributions;
};

/* A select-list expression, over the datasets row "d", giving the input
 * of one dataset as a JSON object for quality_from_json(). */
#define QUALITY_SQL                                                          \
	"json_build_object('licence', d.licence,"                            \
	" 'frequency', d.accrual_periodicity,"                               \
	" 'description_length', char_length(d.description),"                 \
	" 'documentation', d.documentation,"                                 \
	" 'temporal', d.temporal_start IS NOT NULL,"                         \
	" 'spatial', d.spatial IS NOT NULL OR cardinality(d.spatial_uris) > 0," \
	" 'modified', coalesce(extract(epoch FROM d.modified)::int8, 0),"    \
	" 'now', extract(epoch FROM now())::int8,"                           \
	" 'distributions', coalesce((SELECT json_agg(json_build_object("     \
	"   'identifier', x.identifier, 'kind', x.kind, 'format', x.format," \
	"   'current', x.version_id IS NOT NULL"                             \
	"    AND x.version_id = d.current_version_id,"                       \
	"   'sized', x.byte_size IS NOT NULL, 'reachable', x.reachable,"     \
	"   'described', coalesce(x.description, '') <> '')"                 \
	"   ORDER BY x.kind = 'declared', x.position, x.identifier)"         \
	"  FROM distributions x WHERE x.dataset_id = d.id), '[]'))"

/* The quality object of in: {"score": n, "max": 9, "criteria": {name:
 * bool, ...}, "missing": ["what to do", ...]} (the caller owns it). */
json_t *quality_json(const struct quality_input *in);

/* The quality object of the JSON text QUALITY_SQL gave, or NULL when it is
 * not what QUALITY_SQL gives. */
json_t *quality_from_json(const char *text);

#endif
