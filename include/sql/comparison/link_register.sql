-- The register rows linkage compares with, only for the persons in link_wanted (the candidates of
-- the flagged IDs, link_candidates_*.sql), so linkage costs in proportion to the city's flagged IDs,
-- not its population. One row per person: the latest of snapshot and change rows (as in run_scope_insert);
-- link_probabilistic applies its blocking itself to that latest row.
with register as (
    select p.person_id, p.name, p.sex, p.birth_date, p.phone, p.residence_address, p.hukou_region, p.as_of,
           null::date as effective_date
    from curated.ps_person as p
    join link_wanted as w on w.person_id = p.person_id
    union all
    select c.person_id, c.name, c.sex, c.birth_date, c.phone, c.residence_address, c.hukou_region, c.as_of,
           c.effective_date
    from curated.ps_person_change as c
    join link_wanted as w on w.person_id = c.person_id
    where c.effective_date <= :ref_date
)

select distinct on (person_id)
    person_id, btrim(name) as name, sex, birth_date, phone, residence_address, hukou_region
from register
order by person_id, as_of desc, effective_date desc nulls first
