-- The seed's logical relation (5) = (2) - (3) - (4): rows of this run that break it.
-- Empty result = the table holds; the outputs build fails otherwise.
select region_level, region_code, c2, c3, c4, c5
from base.dispatch_table1
where run_id = :run_id
  and c5 <> c2 - c3 - c4
