/*
 * odp.h: status codes shared by libodp, odp-etl and odp-api.
 *
 * A function returns an enum odp_status (0 = ok, negative = error) or a
 * pointer (NULL = failure, with the reason in an error buffer), never both.
 */
#ifndef ODP_H
#define ODP_H

enum odp_status {
	ODP_OK = 0,
	ODP_ERR_USAGE = -1,    /* bad command line or argument */
	ODP_ERR_INVALID = -2,  /* a job file or input failed validation */
	ODP_ERR_IO = -3,       /* a file could not be read or written */
	ODP_ERR_DB = -4,       /* the database refused or is unreachable */
	ODP_ERR_SOURCE = -5,   /* the source could not be opened or read */
	ODP_ERR_NOT_FOUND = -6,
	ODP_ERR_BUSY = -7      /* someone else holds the resource */
};

/* Size of every error buffer that crosses an API. */
#define ODP_ERRBUF_SIZE 512

#endif
