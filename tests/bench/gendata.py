#!/usr/bin/env python3
"""gendata.py: the benchmark's source files, generated once and cached.

A GeoPackage of N points in EPSG:4326 over Grand Poitiers, with a dozen
typed attributes the way a SIG exports a street-light inventory: Integer64,
Integer, Integer(Int16), Integer(Boolean), Real, Real(Float32), Date,
DateTime, Time, and text with accents, leading zeros, quotes and the odd
tab or backslash (which COPY's text format must escape).

Python writes a CSV and its .csvt (the column types) from a seeded random
generator, so that every run of every machine gets the same bytes of data;
one ogr2ogr turns it into the GeoPackage, the point geometry built from the
lon/lat columns.  The 100,000-point file is the first 100,000 features of
the 1,000,000-point one; "1m-rewritten" holds the same features as the
1,000,000-point one in a file of other bytes (an unchanged layer exported
again).  Files are written under a temporary name and
renamed, so an interrupted generation is never taken for a cached one.

    python3 tests/bench/gendata.py DIR     # DIR/points-{1m,100k,1m-rewritten}-vN.gpkg
"""
import csv
import datetime
import os
import random
import subprocess
import sys

# Bump when the generator changes, so that cached files are made anew.
DATA_VERSION = 1
SEED = 86194  # Poitiers' INSEE code
LAYER = "points"

# Grand Poitiers: most points in the city, the rest over the communes around.
CENTRE = (0.3404, 46.5802)
EXTENT = (0.15, 46.45, 0.55, 46.75)

COMMUNES = ["Poitiers", "Buxerolles", "Saint-Benoît", "Migné-Auxances",
            "Chasseneuil-du-Poitou", "Vouneuil-sous-Biard", "Jaunay-Marigny",
            "Ligugé", "Fontaine-le-Comte", "Mignaloux-Beauvoir", "Béruges",
            "Croutelle", "Biard", "Montamisé", "Vouillé"]
VOIES = ["Rue de la Cathédrale", "Boulevard du Pont-Achard",
         "Place Charles-de-Gaulle", "Rue Gambetta", "Avenue de la Libération",
         "Rue de l'Hôtel-Dieu", "Impasse des Écossais", "Chemin de la Grève",
         "Allée Françoise-Dolto", "Rue du Général-Demarçay",
         "Promenade des Cours", "Rue Carnot", "Avenue du 8-Mai-1945",
         "Rue Édouard-Grimaux", "Quai de la Roche", "Rue des Carmélites",
         "Boulevard Pierre-et-Marie-Curie", "Rue Théophraste-Renaudot",
         "Chemin du Porteau", "Rue de la Tranchée"]
LAMPES = ["LED", "SHP", "IM", "Fluo compacte", "Iodures métalliques"]
COMMENTAIRES = ["Mât repeint en 2019", "Câble à reprendre",
                'Crosse "style 1900"', "Accès difficile : nacelle",
                "Vérifier l'horloge astronomique", "Près de l'école",
                "Ancien réseau\tà déposer", "Réf. armoire A\\12"]

FIELDS = [  # (name, CSVT type)
    ("lon", "Real"), ("lat", "Real"),
    ("id_point", "Integer64"),
    ("code_voie", "String"),
    ("nom_voie", "String"),
    ("commune", "String"),
    ("type_lampe", "String"),
    ("puissance_w", "Integer"),
    ("nb_feux", "Integer(Int16)"),
    ("hauteur_m", "Real"),
    ("flux_lm", "Real(Float32)"),
    ("date_pose", "Date"),
    ("derniere_visite", "DateTime"),
    ("allumage", "Time"),
    ("telegestion", "Integer(Boolean)"),
    ("commentaire", "String"),
]


def rows(n):
    """Yields n rows of the benchmark, always the same for the same n."""
    rng = random.Random(SEED)
    epoch = datetime.date(1975, 1, 1).toordinal()
    visit0 = datetime.datetime(2020, 1, 1)
    for i in range(n):
        if rng.random() < 0.7:
            lon = rng.gauss(CENTRE[0], 0.025)
            lat = rng.gauss(CENTRE[1], 0.017)
        else:
            lon = rng.uniform(EXTENT[0], EXTENT[2])
            lat = rng.uniform(EXTENT[1], EXTENT[3])
        lon = min(max(lon, EXTENT[0]), EXTENT[2])
        lat = min(max(lat, EXTENT[1]), EXTENT[3])
        date = datetime.date.fromordinal(epoch + rng.randrange(17500))
        visit = visit0 + datetime.timedelta(seconds=rng.randrange(150000000))
        yield [
            "%.7f" % lon, "%.7f" % lat,
            8_600_000_000_000 + i * 7,
            "%04d" % rng.randrange(1, 3000),
            "%d %s" % (rng.randrange(1, 200), rng.choice(VOIES)),
            rng.choice(COMMUNES),
            rng.choice(LAMPES),
            rng.choice((35, 50, 70, 100, 150, 250)),
            rng.randrange(1, 5),
            "%.2f" % rng.uniform(3, 12),
            "%.1f" % rng.uniform(800, 30000),
            "" if rng.random() < 0.05 else date.isoformat(),
            visit.strftime("%Y-%m-%d %H:%M:%S"),
            "%02d:%02d:00" % (rng.randrange(17, 22), rng.randrange(60)),
            int(rng.random() < 0.4),
            rng.choice(COMMENTAIRES) if rng.random() < 0.1 else "",
        ]


def ogr2ogr(args):
    subprocess.run(["ogr2ogr"] + args, check=True)


def make_1m(path, n):
    base = path[:-len(".gpkg")]
    csv_path, csvt_path = base + ".tmp.csv", base + ".tmp.csvt"
    tmp = base + ".tmp.gpkg"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([name for name, _ in FIELDS])
        w.writerows(rows(n))
    with open(csvt_path, "w", encoding="ascii") as f:
        f.write(",".join('"%s"' % t for _, t in FIELDS) + "\n")
    if os.path.exists(tmp):
        os.unlink(tmp)
    ogr2ogr(["-f", "GPKG", tmp, csv_path, "-nln", LAYER,
             "-a_srs", "EPSG:4326", "-gt", "100000",
             "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
             "-oo", "KEEP_GEOM_COLUMNS=NO", "-oo", "EMPTY_STRING_AS_NULL=YES",
             "-nlt", "POINT"])
    os.unlink(csv_path)
    os.unlink(csvt_path)
    os.rename(tmp, path)


def make_subset(src, path, n):
    tmp = path[:-len(".gpkg")] + ".tmp.gpkg"
    if os.path.exists(tmp):
        os.unlink(tmp)
    ogr2ogr(["-f", "GPKG", tmp, src, LAYER, "-nln", LAYER,
             "-where", "fid <= %d" % n, "-gt", "100000"])
    os.rename(tmp, path)


def make_rewritten(src, path):
    """The same features, FIDs and order as src in a file of other bytes,
    as when a SIG exports an unchanged layer again."""
    tmp = path[:-len(".gpkg")] + ".tmp.gpkg"
    if os.path.exists(tmp):
        os.unlink(tmp)
    ogr2ogr(["-f", "GPKG", tmp, src, LAYER, "-nln", LAYER, "-preserve_fid",
             "-gt", "100000"])
    with open(src, "rb") as a, open(tmp, "rb") as b:
        if a.read() == b.read():
            raise RuntimeError("%s has the same bytes as %s" % (tmp, src))
    os.rename(tmp, path)


def ensure(data_dir):
    """Makes the cached files if missing; returns their paths by name:
    "1m", "100k" and "1m-rewritten"."""
    os.makedirs(data_dir, exist_ok=True)
    files = {k: os.path.join(data_dir, "points-%s-v%d.gpkg" % (k, DATA_VERSION))
             for k in ("1m", "100k", "1m-rewritten")}
    if not os.path.exists(files["1m"]):
        print("bench: generating %s (once)" % files["1m"], flush=True)
        make_1m(files["1m"], 1_000_000)
    if not os.path.exists(files["100k"]):
        print("bench: generating %s (once)" % files["100k"], flush=True)
        make_subset(files["1m"], files["100k"], 100_000)
    if not os.path.exists(files["1m-rewritten"]):
        print("bench: generating %s (once)" % files["1m-rewritten"],
              flush=True)
        make_rewritten(files["1m"], files["1m-rewritten"])
    return files


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gendata.py DIR")
    for name, p in sorted(ensure(sys.argv[1]).items()):
        print(name, p)
