-- Parse and staging finished: the delivery waits for its gate.
update intake.delivery
set state = 'STAGED',
    rows_parsed = :rows_parsed,
    rows_rejected = :rows_rejected
where delivery_id = :delivery_id
