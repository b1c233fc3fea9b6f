-- Undo 0006_applied_change.
drop table if exists base.applied_change;
drop function if exists base.refuse_change();
drop index if exists publication.feedback_received;
