-- Benchmark only: stage :rows synthetic household-register rows for delivery :delivery_id,
-- one row in a thousand breaking a row-level rule (bad sex code), so that rejects are named too.
insert into intake.stg_ps_person (
    delivery_id, source_row, as_of, person_id, person_id_raw, person_id_status, name, sex, ethnicity,
    birth_date, household_no, hukou_region, hukou_address, residence_address, phone, household_type,
    hukou_status, cancel_date, military
)
with numbered as (
    select n, date '1920-01-01' + (n % 36500) as birth_date
    from generate_series(1, :rows) as n
)

select
    :delivery_id, n, cast(:as_of as date),
    '330604' || to_char(birth_date, 'YYYYMMDD') || lpad(cast(n / 36500 as text), 3, '0') || 'X',
    null, 'VALID', '测试' || n,
    case when n % 1000 = 0 then '9' else cast(1 + n % 2 as text) end,
    '01', birth_date, 'H' || n, '330604001001', '某街' || n || '号', '某路' || n || '号', null,
    'AGRI', 'REGISTERED', null, false
from numbered
