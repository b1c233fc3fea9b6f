-- Persist the run's scope with each person's county (for the per-county steps).
insert into base.run_scope (run_id, person_id, county_code)
select :run_id, s.person_id, coalesce(left(p.hukou_region, 6), c.county_code, '')
from scope_person as s
left join ps_index as p on p.person_id = s.person_id
left join base.person_current as c on c.person_id = s.person_id
on conflict do nothing
