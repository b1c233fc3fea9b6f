-- One delivery by id (reprocess, status).
select delivery_id, feed, file_name, sha256, bytes, rows_declared, as_of, received_at, archive_path,
       run_id, state, rows_parsed, rows_rejected, rows_promoted, reason, decided_at
from intake.delivery
where delivery_id = :delivery_id
