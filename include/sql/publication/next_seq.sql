select coalesce(max(seq), 0) + 1 as next_seq
from publication.batch
where node_id = :node_id
