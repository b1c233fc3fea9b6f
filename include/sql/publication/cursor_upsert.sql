insert into publication.cursor (node_id, last_seq, last_batch_id, asked_at)
values (:node_id, :last_seq, cast(:last_batch_id as uuid), clock_timestamp())
on conflict (node_id) do update
set last_seq = excluded.last_seq, last_batch_id = excluded.last_batch_id, asked_at = excluded.asked_at
