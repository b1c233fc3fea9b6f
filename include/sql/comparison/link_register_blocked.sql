-- The register rows scored matching compares with: persons with any register row sharing a birth
-- date (from the record or its ID) or a name with a record deterministic repair left unresolved,
-- found through the register's birth-date and name indexes. One row per person, the latest (as
-- ps_index); link_probabilistic applies the blocking itself to that latest row.
with pending as (
    select o.*
    from link_obs as o
    where not exists (select 1 from link_deterministic as d where d.source = o.source and d.raw_id = o.raw_id)
),

wanted as (
    select p.person_id from curated.ps_person as p join pending as o on p.birth_date = o.birth_date_evidence
    union
    select p.person_id from curated.ps_person as p join pending as o on p.name = o.name
    union
    select c.person_id from curated.ps_person_change as c join pending as o on c.birth_date = o.birth_date_evidence
    union
    select c.person_id from curated.ps_person_change as c join pending as o on c.name = o.name
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
