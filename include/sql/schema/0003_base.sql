-- The registration base (参保登记基础数据库): links, review queue, SCD2 person versions, runs.
-- Contract: docs/ARCHITECTURE.md, "The registration base". Owned by the comparison job.
create schema if not exists base;

-- Form-only normalisation of free text (addresses, phones): full-width letters and digits to
-- half-width, spaces, tabs and line breaks (ideographic space included) removed, empty becomes null.
-- translate() rather than regular expressions: it runs per compared fact of every person.
create or replace function base.norm_text(t text) returns text
language sql immutable parallel safe as $fn$
    select nullif(translate(translate(t, '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ（）－＃　', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz()-# '), E' \t\r\n\u00a0', ''), '')
$fn$;

-- GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 characters.
create or replace function base.id_check_char(first17 text) returns text
language sql immutable parallel safe as $fn$
    select substr('10X98765432',
                  (sum(substr(first17, i, 1)::int * ((2 ^ (18 - i))::int % 11)) % 11)::int + 1, 1)
    from generate_series(1, 17) as i
    where first17 ~ '^[0-9]{17}$'
$fn$;

-- Birth date embedded in an ID (characters 7-14), or null when they are not a real date.
create or replace function base.id_birth_date(id text) returns date
language plpgsql immutable parallel safe as $fn$
begin
    if id !~ '^[0-9]{14}' then
        return null;
    end if;
    return make_date(substr(id, 7, 4)::int, substr(id, 11, 2)::int, substr(id, 13, 2)::int);
exception when others then
    return null;
end
$fn$;

-- How many of the 18 positions two IDs share (linkage evidence).
create or replace function base.id_same_positions(a text, b text) returns int
language sql immutable parallel safe as $fn$
    select count(*)::int from generate_series(1, 18) as i where substr(a, i, 1) = substr(b, i, 1)
$fn$;

-- One row per comparison run (what-if runs included; they write nothing else).
create table if not exists base.run (
    run_id          text primary key,
    ref_date        date not null,
    what_if         boolean not null default false,
    scope_mode      text not null,                 -- FULL | INCREMENTAL
    scope_size      integer,
    max_delivery_id bigint,                        -- change_log high-water mark the run saw
    counts          jsonb not null default '{}'::jsonb,
    warnings        jsonb not null default '[]'::jsonb,
    started_at      timestamptz not null,
    finished_at     timestamptz
);

-- Persons a run (re)computes, with the county its per-county step belongs to ('' = none known).
create table if not exists base.run_scope (
    run_id      text not null,
    person_id   text not null,
    county_code text not null default '',
    primary key (run_id, person_id)
);
create index if not exists run_scope_county on base.run_scope (run_id, county_code);

-- Every non-VALID ID of another department's feed that was linked to a base person.
-- raw_id is the ID as curated (cleaned, 15-digit numbers upgraded; person_id_raw keeps the bytes).
-- source '*' = a reviewer's merge of a whole base person into another (every feed).
create table if not exists base.person_link (
    source     text not null,
    raw_id     text not null,
    person_id  text not null,
    method     text not null,       -- UPGRADE_15 | CHECK_CHAR | TRANSPOSITION | PROBABILISTIC | REVIEW | MERGE
    score      numeric,
    run_id     text,
    linked_at  timestamptz not null default now(),
    primary key (source, raw_id)
);
create index if not exists person_link_person on base.person_link (person_id);

-- Records waiting for a person: MATCH (a candidate below certainty) or INVALID_IDENTITY (none).
create table if not exists base.review_queue (
    queue_id            bigserial primary key,
    kind                text not null check (kind in ('MATCH', 'INVALID_IDENTITY')),
    source              text not null,
    raw_id              text not null,
    candidate_person_id text,
    score               numeric,
    candidates          jsonb not null default '[]'::jsonb,   -- [{"person_id", "score"}], no names
    state               text not null default 'OPEN' check (state in ('OPEN', 'DECIDED', 'GONE')),
    first_run_id        text,
    last_run_id         text,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),
    unique (source, raw_id)
);
create index if not exists review_queue_open on base.review_queue (state, kind);

-- Reviewers' decisions; kept for ever and applied by every later run (the latest per record wins).
create table if not exists base.review_decision (
    decision_id  bigserial primary key,
    queue_id     bigint,
    source       text not null,        -- '*' for a merge of a whole person
    raw_id       text not null,
    decision     text not null check (decision in ('ACCEPT', 'REJECT')),
    person_id    text,                 -- the base person the record belongs to (ACCEPT)
    decided_by   text not null,
    decided_at   timestamptz not null default now(),
    note         text
);
create index if not exists review_decision_record on base.review_decision (source, raw_id, decision_id);

create table if not exists base.person_current (
    person_id             text primary key,
    version               integer not null,
    valid_from            timestamptz not null,
    ref_date              date not null,
    name                  text,
    sex                   text,
    ethnicity             text,
    birth_date            date,
    household_no          text,
    hukou_address         text,
    residence_address     text,
    phone                 text,
    hukou_region          text,
    county_code           text,
    town_code             text,
    village_code          text,
    hukou_status          text,
    registered            boolean,
    age                   integer,
    student               boolean,
    military              boolean,
    deceased_on           date,
    should_insure         boolean,
    is_employee           boolean,
    employment_status     text,
    employer_uscc         text,
    employer_name         text,
    ins_110               text,
    ins_120               text,
    ins_170               text,
    ins_210               text,
    ins_310               text,
    ins_390               text,
    ins_410               text,
    ins_510               text,
    elsewhere             jsonb,
    cov_pension           boolean,
    cov_medical           boolean,
    cov_210               boolean,
    cov_410               boolean,
    cov_510               boolean,
    category              text,
    mismatched_fields     text[],
    reasons               jsonb,
    non_enrollment_reason text,
    reason_employer_uscc  text,
    sources               jsonb,
    record                jsonb,
    record_hash           text,
    review_flags          text[],
    state_hash            text      -- hash of everything the row is computed from (c_record.sql)
);
create index if not exists person_current_county on base.person_current (county_code, category);
create index if not exists person_current_town on base.person_current (town_code);

create table if not exists base.person_version (like base.person_current);
alter table base.person_version add column if not exists valid_to timestamptz;
alter table base.person_version add column if not exists run_id text;
create unique index if not exists person_version_pk on base.person_version (person_id, version);
