-- The register rows deterministic repair compares with: only the persons whose ID is a candidate
-- (an observed ID with its check character recomputed, or with one adjacent transposition), looked
-- up by primary key, so linkage costs in proportion to the city's flagged IDs, not its population.
-- One row per person: the latest of snapshot and change rows (as ps_index).
with wanted as (
    select left(o.raw_id, 17) || base.id_check_char(left(o.raw_id, 17)) as person_id
    from link_obs as o
    where o.raw_id ~ '^[0-9]{17}'
    union
    select left(o.raw_id, i - 1) || substr(o.raw_id, i + 1, 1) || substr(o.raw_id, i, 1) || substr(o.raw_id, i + 2)
    from link_obs as o
    cross join generate_series(1, 17) as i
    where substr(o.raw_id, i, 1) <> substr(o.raw_id, i + 1, 1)
),

register as (
    select p.person_id, p.name, p.sex, p.birth_date, p.phone, p.residence_address, p.hukou_region, p.as_of,
           null::date as effective_date
    from curated.ps_person as p
    join wanted as w on w.person_id = p.person_id
    union all
    select c.person_id, c.name, c.sex, c.birth_date, c.phone, c.residence_address, c.hukou_region, c.as_of,
           c.effective_date
    from curated.ps_person_change as c
    join wanted as w on w.person_id = c.person_id
    where c.effective_date <= :ref_date
)

select distinct on (person_id)
    person_id, btrim(name) as name, sex, birth_date, phone, residence_address, hukou_region
from register
order by person_id, as_of desc, effective_date desc nulls first
