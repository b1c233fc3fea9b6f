-- Register persons scored matching may compare with: any register row sharing a birth date (from
-- the record or its ID) or a name with a record deterministic repair left unresolved, found
-- through the register's birth-date and name indexes.
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
)

select person_id from wanted
