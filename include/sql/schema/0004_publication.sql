-- Publication: the outbox the comparison job fills, and the publisher's own state.
create schema if not exists publication;

-- THE contract with the comparison job: it inserts one row per new base version, in the same
-- transaction as the version itself. Rows are never updated or deleted by anyone.
create table if not exists publication.outbox (
    outbox_id   bigserial primary key,
    person_id   text not null,
    version     int not null check (version >= 1),
    op          text not null check (op in ('UPSERT', 'DELETE')),
    changed_at  timestamptz not null,
    record      jsonb,          -- the UPSERT's whole `data` object (spec field table)
    reason      text,           -- the DELETE's reason: MERGED_DUPLICATE | CREATED_IN_ERROR
    run_id      text,
    created_at  timestamptz not null default now(),
    unique (person_id, version),
    check ((op = 'UPSERT' and record is not null) or (op = 'DELETE' and reason in ('MERGED_DUPLICATE', 'CREATED_IN_ERROR')))
);

-- One row per batch, written (with its items) BEFORE the batch is sent, so a crash mid-send resends
-- the same batch_id with the same records.
create table if not exists publication.batch (
    batch_id       uuid primary key,
    node_id        text not null,
    seq            bigint not null,
    created_at     timestamptz not null default now(),
    record_count   int not null,
    state          text not null default 'PENDING' check (state in ('PENDING', 'DELIVERED')),
    answer_status  text check (answer_status in ('ACCEPTED', 'PARTIAL')),  -- null until the 200 answer is known
    accepted       int,
    rejected       int,
    attempts       int not null default 0,
    body_sha256    text,      -- of the last JSON body sent (before compression)
    body_sm3       text,
    renumbered_from bigint,   -- seq before a 409 SEQ reconciliation, if any
    delivered_at   timestamptz,
    unique (node_id, seq)
);
create unique index if not exists batch_one_pending on publication.batch (node_id) where state = 'PENDING';

create table if not exists publication.batch_item (
    batch_id   uuid not null references publication.batch (batch_id),
    idx        int not null,
    outbox_id  bigint not null unique references publication.outbox (outbox_id),
    person_id  text not null,
    version    int not null,
    outcome    text check (outcome in ('ACCEPTED', 'REJECTED')),
    primary key (batch_id, idx)
);

-- Every answer (or transport failure) of every request the publisher made.
create table if not exists publication.response (
    response_id  bigserial primary key,
    batch_id     uuid,
    request      text not null,         -- 'POST /v1/batches' | 'GET cursor'
    http_status  int,                   -- null: no answer (timeout, connection lost)
    body         jsonb,
    retry_after  numeric,
    error        text,
    received_at  timestamptz not null default clock_timestamp()
);
create index if not exists response_batch on publication.response (batch_id);

-- Records the province rejected: the node's to fix; a newer version in the outbox goes out normally
-- and, once accepted, resolves the rejection.
create table if not exists publication.rejection (
    outbox_id     bigint primary key references publication.outbox (outbox_id),
    batch_id      uuid not null references publication.batch (batch_id),
    idx           int not null,
    person_id     text not null,
    version       int not null,
    code          text not null,
    message       text,
    rejected_at   timestamptz not null default clock_timestamp(),
    resolved_by   bigint references publication.outbox (outbox_id),
    resolved_at   timestamptz
);
create index if not exists rejection_open on publication.rejection (person_id) where resolved_by is null;

-- What the province told us about our stream the last time we asked (cursor), per node.
create table if not exists publication.cursor (
    node_id        text primary key,
    last_seq       bigint not null,
    last_batch_id  uuid,
    asked_at       timestamptz not null default clock_timestamp()
);

-- Feedback from the province: people of our population insured elsewhere; one row per item, once.
create table if not exists publication.feedback (
    node_id      text not null,
    cursor       text not null,
    person_id    text not null,
    insurance    text not null,
    region_code  text,
    status       text not null,
    since        date,
    until        date,
    item         jsonb not null,
    received_at  timestamptz not null default clock_timestamp(),
    primary key (node_id, cursor)
);
create index if not exists feedback_person on publication.feedback (person_id);

create table if not exists publication.feedback_cursor (
    node_id     text primary key,
    cursor      text not null,
    updated_at  timestamptz not null default clock_timestamp()
);
