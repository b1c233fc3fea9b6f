-- The persons this step computes: the run's scope, one unit of work: a county (or all when :county
-- is null), or one of :parts parts of a large county, by a hash of the ID. hashtext is stable
-- within a server, and every unit of a run is computed by the same server.
select person_id
from base.run_scope
where run_id = :run_id
  and (cast(:county as text) is null or county_code = cast(:county as text))
  and (cast(:parts as int) = 1 or mod(abs(hashtext(person_id)::bigint), cast(:parts as int)) = cast(:part as int))
