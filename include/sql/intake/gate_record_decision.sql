-- One decision about a delivery (the gate's, or an engineer's release).
insert into intake.decision (delivery_id, outcome, actor, note, reasons)
values (:delivery_id, :outcome, :actor, :note, cast(:reasons as jsonb))
returning decision_id
