-- Deterministic repair: candidates are register IDs that differ from the observed one by the check
-- character only, or by one adjacent transposition. Accepted when exactly one candidate agrees on
-- name and birth date (birth date from the record, or from the ID when the record has none).
with variants as (
    select o.source, o.raw_id, left(o.raw_id, 17) || base.id_check_char(left(o.raw_id, 17)) as candidate_id,
           'CHECK_CHAR' as method
    from link_obs as o
    where o.raw_id ~ '^[0-9]{17}'
    union all
    select o.source, o.raw_id,
           left(o.raw_id, i - 1) || substr(o.raw_id, i + 1, 1) || substr(o.raw_id, i, 1) || substr(o.raw_id, i + 2),
           'TRANSPOSITION'
    from link_obs as o
    cross join generate_series(1, 17) as i
    where substr(o.raw_id, i, 1) <> substr(o.raw_id, i + 1, 1)
),

agreeing as (
    select distinct on (v.source, v.raw_id, v.candidate_id)
        v.source, v.raw_id, v.candidate_id, v.method
    from variants as v
    join link_obs as o on o.source = v.source and o.raw_id = v.raw_id
    join link_register_ids as p on p.person_id = v.candidate_id
    where v.candidate_id <> v.raw_id
      and o.name = p.name
      and (o.birth_date is null or o.birth_date = p.birth_date)
      and (o.birth_date is not null or o.birth_date_evidence is null or o.birth_date_evidence = p.birth_date
           or v.method = 'TRANSPOSITION')
    order by v.source, v.raw_id, v.candidate_id, v.method
),

unique_candidate as (
    select source, raw_id, min(candidate_id) as person_id, min(method) as method
    from agreeing
    group by source, raw_id
    having count(*) = 1
)

select source, raw_id, person_id, method, 100::numeric as score
from unique_candidate
