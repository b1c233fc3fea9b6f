-- Outbox rows not yet in any batch, in outbox order. Anti-join rather than a high-water mark:
-- a comparison transaction that commits late with a lower outbox_id is still picked up.
with unsent as (
    select o.outbox_id, o.person_id, o.version, o.op, o.changed_at, o.record, o.reason
    from publication.outbox as o
    where not exists (select 1 from publication.batch_item as bi where bi.outbox_id = o.outbox_id)
)
select outbox_id, person_id, version, op, changed_at, record, reason
from unsent
order by outbox_id
limit :limit
