-- Close the versions being superseded (the current one, c_changed.prev_version).
update base.person_version as v
set valid_to = :now
from c_changed as ch
where ch.new_version
  and not ch.is_new
  and v.person_id = ch.person_id
  and v.version = ch.prev_version
  and v.valid_to is null
