-- The records of one batch in batch order, rebuilt from the immutable outbox rows.
select bi.idx, o.outbox_id, o.person_id, o.version, o.op, o.changed_at, o.record, o.reason
from publication.batch_item as bi
join publication.outbox as o on o.outbox_id = bi.outbox_id
where bi.batch_id = cast(:batch_id as uuid)
order by bi.idx
