-- Batches the province holds (confirmed by its cursor) whose per-record answer we never received.
select batch_id::text as batch_id, seq, created_at, record_count, attempts
from publication.batch
where node_id = :node_id and state = 'DELIVERED' and answer_status is null
order by seq
