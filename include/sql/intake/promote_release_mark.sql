-- An engineer released a quarantined delivery after review.
update intake.quarantine
set released_at = now(), released_by = :engineer, release_note = :note
where delivery_id = :delivery_id
