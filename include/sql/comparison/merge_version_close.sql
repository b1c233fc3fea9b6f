-- Close the versions being superseded.
update base.person_version as v
set valid_to = :now
from c_changed as ch
join base.person_current as c on c.person_id = ch.person_id
where ch.new_version
  and v.person_id = c.person_id
  and v.version = c.version
  and v.valid_to is null
