-- The same bytes delivered again after a failed or unfinished attempt: start that delivery over.
update intake.delivery
set file_name = :file_name,
    rows_declared = :rows_declared,
    as_of = :as_of,
    archive_path = :archive_path,
    run_id = :run_id,
    state = 'RECEIVED',
    rows_parsed = null,
    rows_rejected = null,
    reason = null,
    decided_at = null,
    received_at = now()
where delivery_id = :delivery_id
