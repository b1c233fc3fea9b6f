-- The applied-change journal (动态更新 记录): one row per change a comparison run applied to the
-- registration base, with its source, the date it took effect and the date it was received (a
-- cremation reported weeks late keeps both). Written by include/sql/update/applied_change_insert.sql
-- at the end of a (non-what-if) run's prepare step; read by `canbao history PERSON_ID`.
create table if not exists base.applied_change (
    applied_id     bigserial primary key,      -- insertion order: effective-date order within a run
    person_id      text,                       -- the base person after linkage (source link or '*' merge);
                                               -- the feed's own ID when no link exists; null: employer-level
    raw_id         text,                       -- the ID as the feed carried it (curated form)
    uscc           text,                       -- the employer the change names, if any
    source         text not null,              -- feed (intake.delivery.feed) or 'province_feedback'
    target         text not null,              -- canonical target (curated table) or 'feedback'
    delivery_id    bigint,                     -- null for province feedback
    file_name      text,                       -- the delivery's file; for feedback 'NODE/CURSOR'
    change         text not null,              -- INSERT | UPDATE | ABSENT | FEEDBACK_<status>
    effective_date date,                       -- change_log.effective_date, else the delivery's as_of
    received_at    timestamptz not null,       -- when the delivery (or feedback item) was received
    detail         jsonb,                      -- feedback: insurance, region_code, since, until
    run_id         text not null,              -- the comparison run that applied it
    applied_at     timestamptz not null,       -- that run's start (its `now`)
    -- A change is recorded once, by the first run that applied it, whatever reruns follow.
    constraint applied_change_once unique nulls not distinct
        (source, delivery_id, file_name, target, raw_id, uscc, effective_date, change)
);
create index if not exists applied_change_person on base.applied_change (person_id, effective_date);
create index if not exists applied_change_employer on base.applied_change (uscc) where person_id is null;
create index if not exists applied_change_run on base.applied_change (run_id);

-- Feedback received since the previous run is read by time: without this index that read scans
-- every feedback item ever received.
create index if not exists feedback_received on publication.feedback (received_at);

-- Append-only, like audit.event: updates and deletes are refused for everyone, the owner included.
create or replace function base.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '%.% is append-only', tg_table_schema, tg_table_name;
end $$;

drop trigger if exists applied_change_append_only on base.applied_change;
create trigger applied_change_append_only before update or delete on base.applied_change
    for each statement execute function base.refuse_change();
