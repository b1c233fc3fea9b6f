-- Withdrawn persons leave the current base.
delete from base.person_current as c
using c_merged_away as m
where c.person_id = m.person_id
