-- Links that no longer hold (the record is gone, or a reviewer rejected it).
delete from base.person_link as l
where not exists (
    select 1 from link_result as r
    where r.outcome = 'LINKED' and r.source = l.source and r.raw_id = l.raw_id
)
