-- A new delivery: its bytes are archived, nothing else is known yet.
insert into intake.delivery (feed, file_name, sha256, bytes, rows_declared, as_of, archive_path, run_id, state)
values (:feed, :file_name, :sha256, :bytes, :rows_declared, :as_of, :archive_path, :run_id, 'RECEIVED')
returning delivery_id
