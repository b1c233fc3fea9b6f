-- Core schema: the append-only audit trail every part writes to.
create schema if not exists audit;

create table if not exists audit.event (
    event_id     bigserial primary key,
    occurred_at  timestamptz not null default clock_timestamp(),
    kind         text not null,          -- delivery_received, gate_decision, release, reprocess, batch_sent, batch_answer, review_decision, ...
    subject      text not null,          -- feed name, delivery id, batch id, ...
    run_id       text,                   -- Airflow run id when known
    actor        text not null default 'platform',
    detail       jsonb not null default '{}'::jsonb  -- never unmasked personal data
);
create index if not exists event_kind_time on audit.event (kind, occurred_at);
create index if not exists event_subject on audit.event (subject);

-- Append-only: updates and deletes are refused for everyone, the owner included.
create or replace function audit.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit.event is append-only';
end $$;

drop trigger if exists event_append_only on audit.event;
create trigger event_append_only before update or delete on audit.event
    for each statement execute function audit.refuse_change();
