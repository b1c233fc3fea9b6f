-- An archived delivery taken up again (canbao reprocess): back to RECEIVED until staged and gated anew.
update intake.delivery
set state = 'RECEIVED',
    reason = null,
    decided_at = null
where delivery_id = :delivery_id
