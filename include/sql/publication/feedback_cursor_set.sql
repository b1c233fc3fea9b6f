insert into publication.feedback_cursor (node_id, cursor, updated_at)
values (:node_id, :cursor, clock_timestamp())
on conflict (node_id) do update set cursor = excluded.cursor, updated_at = excluded.updated_at
