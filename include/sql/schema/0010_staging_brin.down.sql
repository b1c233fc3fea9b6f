do $$
declare
    t text;
begin
    for t in
        select c.relname
        from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = 'intake' and c.relkind = 'r' and c.relname like 'stg\_%'
    loop
        execute format('drop index if exists intake.%I', t || '_delivery');
        execute format('create index %I on intake.%I (delivery_id)', t || '_delivery', t);
    end loop;
end $$;
