/* test_names.c: normalised column names (catalog/names.c). */
#include "names.h"
#include "unit.h"

static const char *norm(const char *src)
{
	static char out[NAMES_MAX + 1];
	names_normalise(src, out);
	return out;
}

void test_names_fold_accents_and_case(void)
{
	CHECK_STR(norm("Capacité"), "capacite");
	CHECK_STR(norm("Nom de l'Équipement"), "nom_de_l_equipement");
	CHECK_STR(norm("Cœur"), "coeur");
	CHECK_STR(norm("Surface (m²)"), "surface_m2");
	CHECK_STR(norm("Tarif horaire (€)"), "tarif_horaire_eur");
	CHECK_STR(norm("  --Places   libres--  "), "places_libres");
}

void test_names_start_with_a_letter(void)
{
	CHECK_STR(norm("2024"), "c_2024");
	CHECK_STR(norm("_x"), "x");
	CHECK_STR(norm(""), "unnamed");
	CHECK_STR(norm("???"), "unnamed");
	CHECK_STR(norm("日本"), "unnamed");
}

void test_names_avoid_reserved_words(void)
{
	CHECK_STR(norm("Order"), "order_");
	CHECK_STR(norm("geom"), "geom_");
	CHECK_STR(norm("SELECT"), "select_");
	CHECK_STR(norm("ordre"), "ordre");
}

void test_names_fit_postgresql_identifiers(void)
{
	char longname[200];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK(strlen(norm(longname)) == NAMES_MAX);
}

void test_names_are_made_unique(void)
{
	const char *src[] = {"Nom", "nom", "NOM ", "nom_2", "Prénom"};
	char out[5][NAMES_MAX + 1];

	names_normalise_all(src, 5, out);
	CHECK_STR(out[0], "nom");
	CHECK_STR(out[1], "nom_2");
	CHECK_STR(out[2], "nom_3");
	CHECK_STR(out[3], "nom_2_2");
	CHECK_STR(out[4], "prenom");
}
