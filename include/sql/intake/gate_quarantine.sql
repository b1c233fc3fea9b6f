-- Hold a delivery back: its reasons (masked) and when; a second quarantine of it refreshes the reasons.
insert into intake.quarantine (delivery_id, feed, reasons)
values (:delivery_id, :feed, cast(:reasons as jsonb))
on conflict (delivery_id) do update
set reasons = excluded.reasons, quarantined_at = now(), released_at = null, released_by = null,
    release_note = null
