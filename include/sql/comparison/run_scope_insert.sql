-- Persist the run's scope with each person's county (for the per-county steps). The county is the
-- registration place's; only a person outside the register (insured here, registered elsewhere or
-- not at all) is looked up in the base, by key: COALESCE runs the subquery for those rows alone, so
-- a full run does not read every wide base row for a column it rarely needs.
insert into base.run_scope (run_id, person_id, county_code)
select :run_id, s.person_id,
       coalesce(left(p.hukou_region, 6),
                (select c.county_code from base.person_current as c where c.person_id = s.person_id),
                '')
from scope_person as s
left join ps_index as p on p.person_id = s.person_id
