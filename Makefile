# odp: one non-recursive Makefile.
#
#   make run     install what is missing, build, start the embedded PostGIS,
#                harvest the demo jobs and serve the API (Ctrl-C stops all)
#   make test    the same set-up, then every test, on a cluster of its own
#   make bench   odp-etl's speed and memory against ogr2ogr and COPY, measured
#                in the same run, then the catalogue's search and DCAT pages
#                under load (BENCH lines; see tests/bench/)
#   make deps    install the Debian packages odp needs (or print the line)
#   make stop    stop the embedded PostGIS of `make run`
#   make clean   remove build/ (var/ keeps the databases)
#
# Options: V=1 shows full command lines; SANITIZE=address,undefined builds
# with the sanitizers.  With ODP_DATABASE_URL set, run and test use that
# server and never touch var/.

CC ?= cc
PKGS := libpq jansson gdal libmicrohttpd openssl libcurl libxml-2.0

# Flags are read from pkg-config once the packages are there: `run` and
# `test` install them first, then build in a sub-make that reads them anew.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Icatalog $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lpthread -lm
ifneq ($(SANITIZE),)
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# A sanitizer build goes to a folder of its own, so that it never links
# with objects compiled without it.
ifneq ($(SANITIZE),)
BUILD ?= build-sanitize
else
BUILD ?= build
endif
LIB_SRC := $(wildcard catalog/*.c)
ETL_SRC := $(wildcard etl/*.c)
API_SRC := $(wildcard api/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
ETL_OBJ := $(ETL_SRC:%.c=$(BUILD)/%.o)
API_OBJ := $(API_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)

LIBODP := $(BUILD)/libodp.a
BINS := $(BUILD)/odp-etl $(BUILD)/odp-api
UNIT := $(BUILD)/unit-tests

.PHONY: all deps run test bench unit stop clean
all: $(BINS) $(UNIT)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBODP): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)$(AR) rcs $@ $^

$(BUILD)/odp-etl: $(ETL_OBJ) $(LIBODP)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/odp-api: $(API_OBJ) $(LIBODP)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests reach the pure parts of etl/ and api/ as well: every object
# but the programs' main.
$(UNIT): $(UNIT_OBJ) $(filter-out %/main.o,$(ETL_OBJ) $(API_OBJ)) $(LIBODP)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	$(Q)scripts/deps.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/run.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all $(NODE_STAMP)
	$(Q)ODP_BUILD=$(BUILD) python3 tests/run_tests.py

# The npm packages of the tests (the SHACL validator of the DCAT catalogue),
# installed again when the lock file changes.
NODE_STAMP := tests/node_modules/.installed
$(NODE_STAMP): tests/package.json tests/package-lock.json
	@$(if $(Q),echo "  NPM     tests/node_modules")
	$(Q)cd tests && npm ci --no-audit --no-fund --loglevel=error
	$(Q)touch $@

bench: deps
	$(Q)scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)ODP_BUILD=$(BUILD) python3 tests/bench/bench.py
	$(Q)ODP_BUILD=$(BUILD) python3 tests/bench/bench_catalog.py

unit: $(UNIT)
	$(Q)$(UNIT)

stop:
	$(Q)scripts/db.sh stop var/run

clean:
	rm -rf build build-sanitize

-include $(LIB_OBJ:.o=.d) $(ETL_OBJ:.o=.d) $(API_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
