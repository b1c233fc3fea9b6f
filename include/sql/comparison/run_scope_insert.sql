-- A full run's scope, persisted with each person's county (for the units of work), in one statement:
-- everyone in the household register (cancelled records stay) and everyone insured here (social
-- insurance person or enrollment, by valid or linked ID), minus persons a reviewer merged into
-- another. The county is the registration place's (its first 6 digits, from the latest register row);
-- only a person outside the register (insured here, registered elsewhere or not at all) is looked up
-- in the base, by key: COALESCE runs the subquery for those rows alone, so a full run does not read
-- every wide base row for a column it rarely needs. '' = no county known. One statement with no
-- temp tables between (the register and the scope were each materialised and indexed: 12 -> 8.6 s of
-- serial prepare at 1M persons); every person comes out once (two distinct sets, full-joined).
-- Written in ID order: a unit's persons then sit together in the table (an ID begins with its region),
-- and every model of the unit reads them in that order. Unordered (hash order), each unit's scope
-- read every page of the table and its models ran slower by a third (1M first build 126 s vs 161 s).
insert into base.run_scope (run_id, person_id, county_code)
with register as (
    select distinct on (person_id) person_id, hukou_region
    from (
        select person_id, hukou_region, as_of, null::date as effective_date
        from curated.ps_person
        union all
        select person_id, hukou_region, as_of, effective_date
        from curated.ps_person_change
        where effective_date <= :ref_date
    ) as rows
    order by person_id, as_of desc, effective_date desc nulls first
),

linked as (
    select source, raw_id, person_id from link_result where outcome = 'LINKED' and raw_id <> person_id
),

insured as (
    select coalesce(l.person_id, s.person_id) as person_id
    from curated.si_person as s
    left join linked as l on l.source in ('si_person', '*') and l.raw_id = s.person_id
    where s.person_id_status in ('VALID', 'UPGRADED_15', 'BIRTH_MISMATCH', 'SEX_MISMATCH') or l.person_id is not null
    union
    select coalesce(l.person_id, e.person_id)
    from curated.si_enrollment as e
    left join linked as l on l.source in ('si_enrollment', '*') and l.raw_id = e.person_id
    where e.person_id_status in ('VALID', 'UPGRADED_15', 'BIRTH_MISMATCH', 'SEX_MISMATCH') or l.person_id is not null
    union
    select coalesce(l.person_id, e.person_id)
    from curated.si_enrollment_change as e
    left join linked as l on l.source in ('si_enrollment_change', '*') and l.raw_id = e.person_id
    where (e.person_id_status in ('VALID', 'UPGRADED_15', 'BIRTH_MISMATCH', 'SEX_MISMATCH') or l.person_id is not null)
      and e.effective_date <= :ref_date
),

everyone as (
    select coalesce(r.person_id, i.person_id) as person_id, left(r.hukou_region, 6) as county_code
    from register as r
    full join insured as i on i.person_id = r.person_id
)

select :run_id, e.person_id,
       coalesce(e.county_code,
                (select c.county_code from base.person_current as c where c.person_id = e.person_id),
                '')
from everyone as e
where not exists (select 1 from linked as m where m.source = '*' and m.raw_id = e.person_id)
order by e.person_id collate "C"  -- bytewise: IDs are digits and X, and it sorts 1M in a third less
