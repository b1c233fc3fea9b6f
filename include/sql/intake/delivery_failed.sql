-- A bad delivery (whole-file fault): recorded with its code and reason, never promoted.
update intake.delivery
set state = 'FAILED',
    reason = :reason,
    decided_at = now()
where delivery_id = :delivery_id
