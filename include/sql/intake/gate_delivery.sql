-- One delivery as the gate, promotion, receipts and the CLI see it.
select
    d.delivery_id, d.feed, d.file_name, d.sha256, d.bytes, d.rows_declared, d.as_of, d.received_at,
    d.archive_path, d.run_id, d.state, d.rows_parsed, d.rows_rejected, d.rows_promoted, d.reason,
    d.decided_at, d.data_docs
from intake.delivery as d
where d.delivery_id = :delivery_id
