-- Base persons a reviewer merged into another person: withdrawn from the base (DELETE downstream).
select c.person_id, c.version + 1 as version, l.person_id as merged_into
from c_scope as s
join base.person_current as c on c.person_id = s.person_id
join base.person_link as l on l.source = '*' and l.raw_id = c.person_id
