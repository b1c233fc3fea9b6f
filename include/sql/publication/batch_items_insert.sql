-- The batch's items in the order given (idx from 0 = the record's index in the batch).
with chosen as (
    select t.outbox_id, t.ordinal - 1 as idx
    from unnest(cast(:outbox_ids as bigint[])) with ordinality as t (outbox_id, ordinal)
)
insert into publication.batch_item (batch_id, idx, outbox_id, person_id, version)
select cast(:batch_id as uuid), c.idx, o.outbox_id, o.person_id, o.version
from chosen as c
join publication.outbox as o on o.outbox_id = c.outbox_id
