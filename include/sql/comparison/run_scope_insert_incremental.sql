-- Persist an incremental run's scope with each person's county (for the per-county steps): the
-- county of the person's latest register row (snapshot or change, looked up by key), else the one
-- the base holds (looked up by key, only for persons outside the register: a join let the planner
-- read every wide base row). The same county as run_scope_insert.sql gives in a full run, found by key
-- instead of reading the whole register. scope_person may name a person twice (changed and in the feedback): DISTINCT, since the
-- table has no key to conflict on (migration 0014).
insert into base.run_scope (run_id, person_id, county_code)
select :run_id, s.person_id,
       coalesce(left(r.hukou_region, 6),
                (select c.county_code from base.person_current as c where c.person_id = s.person_id),
                '')
from (select distinct person_id from scope_person) as s
left join lateral (
    select x.hukou_region
    from (
        select p.hukou_region, p.as_of, null::date as effective_date
        from curated.ps_person as p
        where p.person_id = s.person_id
        union all
        select c.hukou_region, c.as_of, c.effective_date
        from curated.ps_person_change as c
        where c.person_id = s.person_id and c.effective_date <= :ref_date
    ) as x
    order by x.as_of desc, x.effective_date desc nulls first
    limit 1
) as r on true
