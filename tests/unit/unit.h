/*
 * unit.h: the smallest test harness that does the job.
 *
 * A test is a function registered in main.c.  CHECK records a failure with
 * its file, line and expression and lets the test go on, so that one run
 * shows every broken expectation.  Each test prints one line, "PASS name" or
 * "FAIL name: where: what", which tests/run_tests.py counts.
 */
#ifndef ODP_UNIT_H
#define ODP_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failures;  /* failures in the current test */

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			unit_failures++;                                     \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__,      \
			       __LINE__, #cond);                             \
		}                                                            \
	} while (0)

#define CHECK_STR(got, want)                                                 \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (!g_ || strcmp(g_, w_) != 0) {                            \
			unit_failures++;                                     \
			printf("  %s:%d: %s is \"%s\", expected \"%s\"\n",   \
			       __FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
			       w_);                                          \
		}                                                            \
	} while (0)

#endif
