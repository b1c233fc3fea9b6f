-- The persons this step computes: the run's scope, one county (or all when :county is null).
select person_id
from base.run_scope
where run_id = :run_id
  and (cast(:county as text) is null or county_code = cast(:county as text))
