create or replace function base.id_check_char(first17 text) returns text
language sql immutable parallel safe as $fn$
    select substr('10X98765432',
                  (sum(substr(first17, i, 1)::int * ((2 ^ (18 - i))::int % 11)) % 11)::int + 1, 1)
    from generate_series(1, 17) as i
    where first17 ~ '^[0-9]{17}$'
$fn$;
