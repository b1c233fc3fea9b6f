-- 单位扩面名单: enterprises alive in market regulation or paying tax normally, with no
-- social-insurance employer registration. An individual business (个体工商户) must register
-- only when it has employees (有雇工的), so one is listed only when it withheld wages in the window.
-- County: the registration region; for an enterprise known only to tax, the region code
-- inside its USCC (characters 3-8, GB 32100).
with latest_tax as (
    select distinct on (uscc) uscc, period, tax_status
    from curated.tax_enterprise
    where period <= :ref_month
    order by uscc, period desc
),

paid as (
    select employer_uscc as uscc, count(distinct person_id) as employees_paid, max(month) as last_paid_month
    from curated.tax_withholding
    where month between :from_month and :ref_month
    group by employer_uscc
),

alive as (
    select
        coalesce(m.uscc, t.uscc)  as uscc,
        m.name,
        m.entity_type,
        m.unit_type,
        m.status                  as mr_status,
        m.registration_date,
        m.region_code,
        t.period                  as tax_period,
        t.tax_status
    from curated.mr_enterprise m
    full join latest_tax t on t.uscc = m.uscc
    where (m.status = 'ACTIVE' and m.absent_since is null)
       or t.tax_status = 'NORMAL'
),

unregistered as (
    select a.*
    from alive a
    where not exists (
        select 1 from curated.si_employer s
        where s.uscc = a.uscc and s.absent_since is null
    )
)

select
    coalesce(left(u.region_code, 6), substr(u.uscc, 3, 6)) as county_code,
    u.uscc,
    u.name,
    u.entity_type,
    u.unit_type,
    u.mr_status,
    u.registration_date,
    u.tax_period,
    u.tax_status,
    coalesce(p.employees_paid, 0)                          as employees_paid,
    p.last_paid_month
from unregistered u
left join paid p on p.uscc = u.uscc
where coalesce(u.entity_type, 'ENTERPRISE') <> 'INDIVIDUAL' or coalesce(p.employees_paid, 0) > 0
order by county_code, employees_paid desc, u.uscc
