-- Benchmark only: the hand-written baseline of the gate, every rule of the household-register
-- suite checked in one scan of the delivery's staged rows (counts per rule).
with batch as (
    select * from intake.stg_ps_person where delivery_id = :delivery_id
),

keys as (
    select count(*) - count(distinct person_id) as duplicate_keys from batch
)

select
    count(*) as row_count,
    count(*) filter (where person_id is null) as person_id_required,
    count(*) filter (where name is null) as name_required,
    count(*) filter (where sex is null) as sex_required,
    count(*) filter (where birth_date is null) as birth_date_required,
    count(*) filter (where hukou_region is null) as hukou_region_required,
    count(*) filter (where hukou_status is null) as hukou_status_required,
    count(*) filter (where person_id_status <> 'VALID') as person_id_status,
    count(*) filter (where sex not in ('1', '2')) as sex_code,
    count(*) filter (where ethnicity !~ '^(0[1-9]|[1-4][0-9]|5[0-6]|97|98)$') as ethnicity_code,
    count(*) filter (where birth_date < date '1900-01-01' or birth_date > cast(:as_of as date)) as birth_date_range,
    count(*) filter (where hukou_region !~ '^[0-9]{6}(?:[0-9]{3}){0,2}$') as hukou_region_format,
    count(*) filter (where household_type not in ('AGRI', 'NONAGRI')) as household_type_code,
    count(*) filter (where hukou_status not in ('REGISTERED', 'CANCELLED_DEATH', 'CANCELLED_MOVED_OUT',
        'CANCELLED_MILITARY', 'CANCELLED_ABROAD', 'CANCELLED_OTHER')) as hukou_status_code,
    count(*) filter (where cancel_date < date '1900-01-01' or cancel_date > cast(:as_of as date)) as cancel_date_range,
    count(*) filter (where as_of > cast(:today as date)) as as_of_fresh,
    (select duplicate_keys from keys) as key_unique
from batch
