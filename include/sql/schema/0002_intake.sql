-- Intake and curated schemas. GENERATED from canbao/registry/targets.py by
-- `python -m canbao.registry.targets > include/sql/schema/0002_intake.sql`; edit the module, not this file.
create schema if not exists intake;
create schema if not exists curated;

-- One row per delivery seen on SFTP (data file + proof), whatever became of it.
create table if not exists intake.delivery (
    delivery_id   bigserial primary key,
    feed          text not null,
    file_name     text not null,
    sha256        text not null,
    bytes         bigint not null,
    rows_declared integer,
    as_of         date,
    received_at   timestamptz not null default now(),
    archive_path  text,
    run_id        text,
    state         text not null default 'RECEIVED'
        check (state in ('RECEIVED','STAGED','ACCEPTED','ACCEPTED_WITH_REJECTS','QUARANTINED',
                         'RELEASED','DUPLICATE','FAILED')),
    rows_parsed   integer,
    rows_rejected integer,
    rows_promoted integer,
    reason        text,
    decided_at    timestamptz,
    unique (feed, sha256)
);
create index if not exists delivery_feed_state on intake.delivery (feed, state, as_of);

-- Rows refused by the gate: row number and reason, never the row's personal data.
create table if not exists intake.reject (
    delivery_id bigint not null references intake.delivery,
    source_row  integer not null,
    rule        text not null,
    reason      text not null,
    primary key (delivery_id, source_row, rule)
);

-- Curated change log: which keys each promoted delivery touched (drives incremental comparison).
create table if not exists curated.change_log (
    delivery_id bigint not null references intake.delivery,
    target      text not null,
    person_id   text,
    uscc        text,
    effective_date date,
    change      text not null  -- INSERT | UPDATE | ABSENT
);
create index if not exists change_log_delivery on curated.change_log (delivery_id);
create index if not exists change_log_person on curated.change_log (person_id);

-- ps_person: household register (公安户籍) (snapshot; key person_id)
create unlogged table if not exists intake.stg_ps_person (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    name               text,
    sex                text,
    ethnicity          text,
    birth_date         date,
    household_no       text,
    hukou_region       text,
    hukou_address      text,
    residence_address  text,
    phone              text,
    household_type     text,
    hukou_status       text,
    cancel_date        date,
    military           boolean
);
create index if not exists stg_ps_person_delivery on intake.stg_ps_person (delivery_id);
create table if not exists curated.ps_person (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    name               text,
    sex                text,
    ethnicity          text,
    birth_date         date,
    household_no       text,
    hukou_region       text,
    hukou_address      text,
    residence_address  text,
    phone              text,
    household_type     text,
    hukou_status       text,
    cancel_date        date,
    military           boolean,
    absent_since  date,
    primary key (person_id)
);
create index if not exists ps_person_delivery on curated.ps_person (delivery_id);

-- ps_person_change: household register changes: births, moves in, corrections (change; key person_id, effective_date)
create unlogged table if not exists intake.stg_ps_person_change (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    name               text,
    sex                text,
    ethnicity          text,
    birth_date         date,
    household_no       text,
    hukou_region       text,
    hukou_address      text,
    residence_address  text,
    phone              text,
    household_type     text,
    hukou_status       text,
    cancel_date        date,
    military           boolean,
    change_type        text,
    effective_date     date
);
create index if not exists stg_ps_person_change_delivery on intake.stg_ps_person_change (delivery_id);
create table if not exists curated.ps_person_change (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    name               text,
    sex                text,
    ethnicity          text,
    birth_date         date,
    household_no       text,
    hukou_region       text,
    hukou_address      text,
    residence_address  text,
    phone              text,
    household_type     text,
    hukou_status       text,
    cancel_date        date,
    military           boolean,
    change_type        text,
    effective_date     date,
    primary key (person_id, effective_date)
);
create index if not exists ps_person_change_delivery on curated.ps_person_change (delivery_id);

-- ps_cancellation: household record cancellations (户口注销) (change; key person_id)
create unlogged table if not exists intake.stg_ps_cancellation (
    delivery_id       bigint,
    source_row        integer,
    as_of             date,
    person_id         text,
    person_id_raw     text,
    person_id_status  text,
    name              text,
    cancel_type       text,
    cancel_date       date
);
create index if not exists stg_ps_cancellation_delivery on intake.stg_ps_cancellation (delivery_id);
create table if not exists curated.ps_cancellation (
    delivery_id       bigint,
    source_row        integer,
    as_of             date,
    person_id         text,
    person_id_raw     text,
    person_id_status  text,
    name              text,
    cancel_type       text,
    cancel_date       date,
    primary key (person_id)
);
create index if not exists ps_cancellation_delivery on curated.ps_cancellation (delivery_id);

-- ca_cremation: funeral and cremation records (殡葬火化) (change; key person_id)
create unlogged table if not exists intake.stg_ca_cremation (
    delivery_id       bigint,
    source_row        integer,
    as_of             date,
    person_id         text,
    person_id_raw     text,
    person_id_status  text,
    name              text,
    death_date        date,
    cremation_date    date
);
create index if not exists stg_ca_cremation_delivery on intake.stg_ca_cremation (delivery_id);
create table if not exists curated.ca_cremation (
    delivery_id       bigint,
    source_row        integer,
    as_of             date,
    person_id         text,
    person_id_raw     text,
    person_id_status  text,
    name              text,
    death_date        date,
    cremation_date    date,
    primary key (person_id)
);
create index if not exists ca_cremation_delivery on curated.ca_cremation (delivery_id);

-- ca_assistance: minimum living allowance and extreme-poverty support (低保/特困) (snapshot; key person_id, assistance_type)
create unlogged table if not exists intake.stg_ca_assistance (
    delivery_id       bigint,
    source_row        integer,
    as_of             date,
    person_id         text,
    person_id_raw     text,
    person_id_status  text,
    name              text,
    assistance_type   text,
    start_date        date
);
create index if not exists stg_ca_assistance_delivery on intake.stg_ca_assistance (delivery_id);
create table if not exists curated.ca_assistance (
    delivery_id       bigint,
    source_row        integer,
    as_of             date,
    person_id         text,
    person_id_raw     text,
    person_id_status  text,
    name              text,
    assistance_type   text,
    start_date        date,
    absent_since  date,
    primary key (person_id, assistance_type)
);
create index if not exists ca_assistance_delivery on curated.ca_assistance (delivery_id);

-- edu_student: student rolls (学籍) (snapshot; key person_id)
create unlogged table if not exists intake.stg_edu_student (
    delivery_id          bigint,
    source_row           integer,
    as_of                date,
    person_id            text,
    person_id_raw        text,
    person_id_status     text,
    name                 text,
    school_name          text,
    level                text,
    full_time            boolean,
    hukou_region         text,
    enrol_date           date,
    expected_graduation  date
);
create index if not exists stg_edu_student_delivery on intake.stg_edu_student (delivery_id);
create table if not exists curated.edu_student (
    delivery_id          bigint,
    source_row           integer,
    as_of                date,
    person_id            text,
    person_id_raw        text,
    person_id_status     text,
    name                 text,
    school_name          text,
    level                text,
    full_time            boolean,
    hukou_region         text,
    enrol_date           date,
    expected_graduation  date,
    absent_since  date,
    primary key (person_id)
);
create index if not exists edu_student_delivery on curated.edu_student (delivery_id);

-- mr_enterprise: registered enterprises and individual businesses (市场主体) (snapshot; key uscc)
create unlogged table if not exists intake.stg_mr_enterprise (
    delivery_id          bigint,
    source_row           integer,
    as_of                date,
    uscc                 text,
    uscc_raw             text,
    uscc_status          text,
    name                 text,
    entity_type          text,
    unit_type            text,
    status               text,
    registration_date    date,
    region_code          text,
    legal_rep_id         text,
    legal_rep_id_raw     text,
    legal_rep_id_status  text
);
create index if not exists stg_mr_enterprise_delivery on intake.stg_mr_enterprise (delivery_id);
create table if not exists curated.mr_enterprise (
    delivery_id          bigint,
    source_row           integer,
    as_of                date,
    uscc                 text,
    uscc_raw             text,
    uscc_status          text,
    name                 text,
    entity_type          text,
    unit_type            text,
    status               text,
    registration_date    date,
    region_code          text,
    legal_rep_id         text,
    legal_rep_id_raw     text,
    legal_rep_id_status  text,
    absent_since  date,
    primary key (uscc)
);
create index if not exists mr_enterprise_delivery on curated.mr_enterprise (delivery_id);

-- tax_enterprise: enterprise tax status by period (snapshot; key uscc, period)
create unlogged table if not exists intake.stg_tax_enterprise (
    delivery_id  bigint,
    source_row   integer,
    as_of        date,
    uscc         text,
    uscc_raw     text,
    uscc_status  text,
    period       text,
    tax_status   text
);
create index if not exists stg_tax_enterprise_delivery on intake.stg_tax_enterprise (delivery_id);
create table if not exists curated.tax_enterprise (
    delivery_id  bigint,
    source_row   integer,
    as_of        date,
    uscc         text,
    uscc_raw     text,
    uscc_status  text,
    period       text,
    tax_status   text,
    absent_since  date,
    primary key (uscc, period)
);
create index if not exists tax_enterprise_delivery on curated.tax_enterprise (delivery_id);

-- tax_withholding: individual income tax withholding (个税扣缴) (change; key employer_uscc, person_id, month)
create unlogged table if not exists intake.stg_tax_withholding (
    delivery_id           bigint,
    source_row            integer,
    as_of                 date,
    employer_uscc         text,
    employer_uscc_raw     text,
    employer_uscc_status  text,
    person_id             text,
    person_id_raw         text,
    person_id_status      text,
    name                  text,
    month                 text,
    income                numeric(14,2)
);
create index if not exists stg_tax_withholding_delivery on intake.stg_tax_withholding (delivery_id);
create table if not exists curated.tax_withholding (
    delivery_id           bigint,
    source_row            integer,
    as_of                 date,
    employer_uscc         text,
    employer_uscc_raw     text,
    employer_uscc_status  text,
    person_id             text,
    person_id_raw         text,
    person_id_status      text,
    name                  text,
    month                 text,
    income                numeric(14,2),
    primary key (employer_uscc, person_id, month)
);
create index if not exists tax_withholding_delivery on curated.tax_withholding (delivery_id);
create index if not exists tax_withholding_person on curated.tax_withholding (person_id);

-- si_person: insured persons with their identity facts (社保个人信息) (snapshot; key person_id)
create unlogged table if not exists intake.stg_si_person (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    name               text,
    sex                text,
    birth_date         date,
    ethnicity          text,
    residence_address  text,
    phone              text
);
create index if not exists stg_si_person_delivery on intake.stg_si_person (delivery_id);
create table if not exists curated.si_person (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    name               text,
    sex                text,
    birth_date         date,
    ethnicity          text,
    residence_address  text,
    phone              text,
    absent_since  date,
    primary key (person_id)
);
create index if not exists si_person_delivery on curated.si_person (delivery_id);

-- si_enrollment: enrollment records (参保信息) (snapshot; key person_id, insurance_code, start_date)
create unlogged table if not exists intake.stg_si_enrollment (
    delivery_id           bigint,
    source_row            integer,
    as_of                 date,
    person_id             text,
    person_id_raw         text,
    person_id_status      text,
    insurance_code        text,
    employer_uscc         text,
    employer_uscc_raw     text,
    employer_uscc_status  text,
    status                text,
    start_date            date,
    end_date              date,
    last_paid_month       text,
    receiving             boolean
);
create index if not exists stg_si_enrollment_delivery on intake.stg_si_enrollment (delivery_id);
create table if not exists curated.si_enrollment (
    delivery_id           bigint,
    source_row            integer,
    as_of                 date,
    person_id             text,
    person_id_raw         text,
    person_id_status      text,
    insurance_code        text,
    employer_uscc         text,
    employer_uscc_raw     text,
    employer_uscc_status  text,
    status                text,
    start_date            date,
    end_date              date,
    last_paid_month       text,
    receiving             boolean,
    absent_since  date,
    primary key (person_id, insurance_code, start_date)
);
create index if not exists si_enrollment_delivery on curated.si_enrollment (delivery_id);

-- si_enrollment_change: enrollment changes (change; key person_id, insurance_code, start_date, effective_date)
create unlogged table if not exists intake.stg_si_enrollment_change (
    delivery_id           bigint,
    source_row            integer,
    as_of                 date,
    person_id             text,
    person_id_raw         text,
    person_id_status      text,
    insurance_code        text,
    employer_uscc         text,
    employer_uscc_raw     text,
    employer_uscc_status  text,
    status                text,
    start_date            date,
    end_date              date,
    last_paid_month       text,
    receiving             boolean,
    change_type           text,
    effective_date        date
);
create index if not exists stg_si_enrollment_change_delivery on intake.stg_si_enrollment_change (delivery_id);
create table if not exists curated.si_enrollment_change (
    delivery_id           bigint,
    source_row            integer,
    as_of                 date,
    person_id             text,
    person_id_raw         text,
    person_id_status      text,
    insurance_code        text,
    employer_uscc         text,
    employer_uscc_raw     text,
    employer_uscc_status  text,
    status                text,
    start_date            date,
    end_date              date,
    last_paid_month       text,
    receiving             boolean,
    change_type           text,
    effective_date        date,
    primary key (person_id, insurance_code, start_date, effective_date)
);
create index if not exists si_enrollment_change_delivery on curated.si_enrollment_change (delivery_id);

-- si_employer: employers registered for social insurance (参保单位) (snapshot; key uscc)
create unlogged table if not exists intake.stg_si_employer (
    delivery_id  bigint,
    source_row   integer,
    as_of        date,
    unit_no      text,
    uscc         text,
    uscc_raw     text,
    uscc_status  text,
    name         text,
    region_code  text
);
create index if not exists stg_si_employer_delivery on intake.stg_si_employer (delivery_id);
create table if not exists curated.si_employer (
    delivery_id  bigint,
    source_row   integer,
    as_of        date,
    unit_no      text,
    uscc         text,
    uscc_raw     text,
    uscc_status  text,
    name         text,
    region_code  text,
    absent_since  date,
    primary key (uscc)
);
create index if not exists si_employer_delivery on curated.si_employer (delivery_id);

-- survey_return: household survey returns (入户调查登记表, Zhejiang form 附件2) (change; key person_id, survey_date)
create unlogged table if not exists intake.stg_survey_return (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    town_code          text,
    village_code       text,
    row_no             integer,
    name               text,
    sex                text,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    birth_date         date,
    ethnicity          text,
    hukou_place        text,
    residence_address  text,
    phone              text,
    employer_name      text,
    unit_type          text,
    personal_status    text,
    status_110         text,
    status_310         text,
    status_410         text,
    status_510         text,
    status_210         text,
    remark             text,
    survey_date        date
);
create index if not exists stg_survey_return_delivery on intake.stg_survey_return (delivery_id);
create table if not exists curated.survey_return (
    delivery_id        bigint,
    source_row         integer,
    as_of              date,
    town_code          text,
    village_code       text,
    row_no             integer,
    name               text,
    sex                text,
    person_id          text,
    person_id_raw      text,
    person_id_status   text,
    birth_date         date,
    ethnicity          text,
    hukou_place        text,
    residence_address  text,
    phone              text,
    employer_name      text,
    unit_type          text,
    personal_status    text,
    status_110         text,
    status_310         text,
    status_410         text,
    status_510         text,
    status_210         text,
    remark             text,
    survey_date        date,
    primary key (person_id, survey_date)
);
create index if not exists survey_return_delivery on curated.survey_return (delivery_id);

