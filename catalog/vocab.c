/*
 * vocab.c: licences, EU data themes and EU frequencies (see vocab.h).
 *
 * Licence IRIs are the canonical ones data.gouv.fr matches on; themes and
 * frequencies are the EU Publications Office authority tables.
 */
#include "vocab.h"

#include "sb.h"
#include "util.h"

#include <string.h>

#define N_TERMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_term licences[] = {
	{"etalab-2.0",
	 "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
	 "Licence Ouverte / Open Licence version 2.0"},
	{"odbl-1.0", "https://opendatacommons.org/licenses/odbl/1-0/",
	 "Open Database License (ODbL) 1.0"},
	{"cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/",
	 "Creative Commons Attribution 4.0"},
	{"cc0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/",
	 "Creative Commons Zero 1.0"},
};

#define THEME(code, label)                                                    \
	{code, "http://publications.europa.eu/resource/authority/data-theme/" \
	       code, label}
static const struct vocab_term themes[] = {
	THEME("AGRI", "Agriculture, pêche, sylviculture et alimentation"),
	THEME("ECON", "Économie et finances"),
	THEME("EDUC", "Éducation, culture et sport"),
	THEME("ENER", "Énergie"),
	THEME("ENVI", "Environnement"),
	THEME("GOVE", "Gouvernement et secteur public"),
	THEME("HEAL", "Santé"),
	THEME("INTR", "Questions internationales"),
	THEME("JUST", "Justice, système juridique et sécurité publique"),
	THEME("REGI", "Régions et villes"),
	THEME("SOCI", "Population et société"),
	THEME("TECH", "Science et technologie"),
	THEME("TRAN", "Transports"),
};

#define FREQ(code, name, label)                                              \
	{code, "http://publications.europa.eu/resource/authority/frequency/" \
	       name, label}
static const struct vocab_term frequencies[] = {
	FREQ("continuous", "UPDATE_CONT", "mise à jour continue"),
	FREQ("hourly", "HOURLY", "toutes les heures"),
	FREQ("daily", "DAILY", "quotidienne"),
	FREQ("weekly", "WEEKLY", "hebdomadaire"),
	FREQ("monthly", "MONTHLY", "mensuelle"),
	FREQ("quarterly", "QUARTERLY", "trimestrielle"),
	FREQ("annual", "ANNUAL", "annuelle"),
	FREQ("irregular", "IRREG", "irrégulière"),
	FREQ("never", "NEVER", "jamais"),
};

const struct vocab vocab_licences = {"licence", licences, N_TERMS(licences)};
const struct vocab vocab_themes = {"theme", themes, N_TERMS(themes)};
const struct vocab vocab_frequencies = {"frequency", frequencies,
					N_TERMS(frequencies)};

const struct vocab_term *vocab_find(const struct vocab *v, const char *code)
{
	size_t i;

	for (i = 0; i < v->n_terms; i++)
		if (strcmp(v->terms[i].code, code) == 0)
			return &v->terms[i];
	return NULL;
}

void vocab_list_codes(const struct vocab *v, char *buf, size_t size)
{
	struct sb sb;
	size_t i;

	sb_init(&sb, 0);
	for (i = 0; i < v->n_terms; i++) {
		if (i)
			sb_puts(&sb, ", ");
		sb_puts(&sb, v->terms[i].code);
	}
	util_strlcpy(buf, sb.buf ? sb.buf : "", size);
	sb_free(&sb);
}
