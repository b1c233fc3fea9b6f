-- A re-run of the gate replaces its own rejects of the delivery (intake's parse rejects stay).
delete from intake.reject
where delivery_id = :delivery_id
    and rule = any(:gate_rules)
