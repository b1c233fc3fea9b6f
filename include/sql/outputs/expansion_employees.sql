-- 单位未予参保名单: people paid wages by an employer (income-tax withholding in the months
-- :from_month .. :ref_month) with no active employee enrollment through that employer.
with paid as (
    select
        employer_uscc,
        person_id,
        max(name)    as name,
        min(month)   as first_month,
        max(month)   as last_month,
        count(*)     as months_paid,
        sum(income)  as income
    from curated.tax_withholding
    where month between :from_month and :ref_month
      and person_id is not null
      and employer_uscc is not null
    group by employer_uscc, person_id
),

unenrolled as (
    select w.*
    from paid w
    where not exists (
        select 1 from curated.si_enrollment e
        where e.person_id = w.person_id
          and e.employer_uscc = w.employer_uscc
          and e.status = 'ACTIVE'
          and e.absent_since is null
          and (e.end_date is null or e.end_date > :ref_date)
          and e.insurance_code in ('110', '120', '210', '310', '410', '510')
    )
)

select
    coalesce(left(m.region_code, 6), left(s.region_code, 6), substr(u.employer_uscc, 3, 6)) as county_code,
    u.employer_uscc,
    coalesce(s.name, m.name)           as employer_name,
    s.unit_no                          as employer_unit_no,
    s.uscc is not null                 as employer_registered,
    u.person_id,
    coalesce(p.name, u.name)           as name,
    p.town_code,
    u.first_month,
    u.last_month,
    u.months_paid,
    u.income,
    p.category
from unenrolled u
left join curated.si_employer s on s.uscc = u.employer_uscc and s.absent_since is null
left join curated.mr_enterprise m on m.uscc = u.employer_uscc
left join base.person_current p on p.person_id = u.person_id
order by county_code, u.employer_uscc, u.person_id
