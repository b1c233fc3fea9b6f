-- The province holds the batch; the answer columns stay null when only its cursor told us so.
update publication.batch
set state = 'DELIVERED',
    delivered_at = coalesce(delivered_at, clock_timestamp()),
    answer_status = coalesce(:answer_status, answer_status),
    accepted = coalesce(:accepted, accepted),
    rejected = coalesce(:rejected, rejected)
where batch_id = cast(:batch_id as uuid)
