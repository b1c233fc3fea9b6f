-- The quality gate's own tables (canbao/validation): masked per-expectation results,
-- quarantine reasons and releases, and every gate decision.
create schema if not exists intake;

-- Where a delivery's Data Docs are (file path or URL), read by alerts, receipts and the UI.
alter table intake.delivery add column if not exists data_docs text;

-- The gate's verdict per delivery: counts per expectation only (no values), masked again before storing.
create table if not exists intake.gate_result (
    delivery_id   bigint primary key references intake.delivery,
    feed          text not null,
    suite         text not null,
    success       boolean not null,
    critical_failed text[] not null default '{}',
    row_failed    text[] not null default '{}',
    results       jsonb not null,          -- [{rule, critical, success, unexpected_count, element_count, observed_value}]
    parameters    jsonb not null default '{}'::jsonb,
    data_docs     text,
    evaluated_at  timestamptz not null default now()
);

-- Deliveries held back: why, and who released them after review.
create table if not exists intake.quarantine (
    delivery_id    bigint primary key references intake.delivery,
    feed           text not null,
    reasons        jsonb not null,         -- list of masked texts (Chinese / English)
    quarantined_at timestamptz not null default now(),
    released_at    timestamptz,
    released_by    text,
    release_note   text
);

-- Every decision about a delivery, by the gate or by an engineer (append-only by convention).
create table if not exists intake.decision (
    decision_id  bigserial primary key,
    delivery_id  bigint not null references intake.delivery,
    outcome      text not null check (outcome in ('ACCEPT','ACCEPT_WITH_REJECTS','QUARANTINE','RELEASE')),
    actor        text not null,
    note         text,
    reasons      jsonb not null default '[]'::jsonb,
    decided_at   timestamptz not null default now()
);
create index if not exists decision_delivery on intake.decision (delivery_id);
