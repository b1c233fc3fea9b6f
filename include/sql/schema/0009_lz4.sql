-- The wide jsonb columns of the base and the outbox compress with lz4 instead of pglz. A person's
-- row (record, sources and the typed columns) is over the 2 kB TOAST threshold, so every write of a
-- version compresses its record: four times per person in a first build (the run's c_record, the
-- current row, the version, the outbox row). Measured at 200,000 records: lz4 writes them in about
-- two thirds of pglz's time, at the same size (656 vs 630 bytes). Existing values stay as they are;
-- new ones use lz4. A server built without lz4 keeps pglz (notice, no error).
do $$
begin
    alter table base.person_current
        alter column record set compression lz4,
        alter column sources set compression lz4;
    alter table base.person_version
        alter column record set compression lz4,
        alter column sources set compression lz4;
    alter table publication.outbox
        alter column record set compression lz4;
exception when feature_not_supported or invalid_parameter_value then
    raise notice 'lz4 compression is not available on this server: pglz kept (%)', sqlerrm;
end $$;
