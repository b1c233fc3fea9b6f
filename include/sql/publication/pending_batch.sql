-- The batch persisted but not known to be delivered (at most one per node).
select batch_id::text as batch_id, seq, created_at, record_count, attempts
from publication.batch
where node_id = :node_id and state = 'PENDING'
