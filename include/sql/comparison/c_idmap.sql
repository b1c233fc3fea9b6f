-- Which feed IDs belong to the persons in scope: each person's own ID (any feed, valid forms only)
-- and every record linked to the person (source-specific, or '*' for a reviewer's merge).
select s.person_id as raw_id, null::text as source, s.person_id
from c_scope as s
where not exists (select 1 from base.person_link as m where m.source = '*' and m.raw_id = s.person_id)
union all
select l.raw_id, l.source, l.person_id
from base.person_link as l
join c_scope as s on s.person_id = l.person_id
where l.raw_id <> l.person_id
