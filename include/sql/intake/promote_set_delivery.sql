-- The outcome of a delivery: state, row counts, reason and when it was decided.
update intake.delivery
set state = :state,
    rows_parsed = :rows_parsed,
    rows_rejected = :rows_rejected,
    rows_promoted = :rows_promoted,
    reason = :reason,
    data_docs = coalesce(:data_docs, data_docs),
    decided_at = now()
where delivery_id = :delivery_id
