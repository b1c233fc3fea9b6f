-- An accepted newer version of a person resolves that person's earlier rejections.
with accepted as (
    select bi.outbox_id, bi.person_id, bi.version
    from publication.batch_item as bi
    where bi.batch_id = cast(:batch_id as uuid) and bi.outcome = 'ACCEPTED'
)
update publication.rejection as r
set resolved_by = a.outbox_id, resolved_at = clock_timestamp()
from accepted as a
where r.person_id = a.person_id and r.version < a.version and r.resolved_by is null
