with rejected as (
    select bi.outbox_id, bi.batch_id, bi.idx, bi.person_id, bi.version
    from publication.batch_item as bi
    where bi.batch_id = cast(:batch_id as uuid) and bi.idx = :idx
)
insert into publication.rejection (outbox_id, batch_id, idx, person_id, version, code, message)
select outbox_id, batch_id, idx, person_id, version, :code, :message
from rejected
on conflict (outbox_id) do nothing
