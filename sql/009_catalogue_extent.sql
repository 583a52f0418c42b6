-- 009: the spatial extent of the whole catalogue, stored.
--
-- The dcat:Catalog publishes one dct:Location with the bbox and centroid
-- of all the published data (DCAT-AP recommends both on every location).
-- An aggregate over every dataset's extent on each catalogue page would
-- cost milliseconds per page at 10,000 datasets; odp-etl recomputes it
-- instead, in the publishing transaction of a run that publishes a new
-- version, and when it writes etl/catalog.json (migrate, run).
-- NULL while no published dataset has a geometry.
ALTER TABLE catalogue ADD COLUMN spatial geometry(Geometry, 4326);

UPDATE catalogue SET spatial = (
    SELECT ST_SetSRID(ST_Extent(spatial)::geometry, 4326) FROM datasets
    WHERE current_version_id IS NOT NULL);
