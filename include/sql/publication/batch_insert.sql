insert into publication.batch (batch_id, node_id, seq, created_at, record_count)
values (cast(:batch_id as uuid), :node_id, :seq, :created_at, :record_count)
