-- 全民参保计划工作调度表（一）: counts per city, county and town from the registration base.
-- Column 5 is counted on its own (not computed as 2 - 3 - 4) so that the seed's
-- formula (5) = (2) - (3) - (4) is a real check (dispatch_table1_check.sql).
with persons as (
    select
        county_code,
        coalesce(town_code, county_code || '000') as town_code,  -- 000: town unknown
        coalesce(registered, false)                as registered,
        coalesce(age, -1) >= 16                    as aged_16,
        coalesce(student, false)                   as student,
        -- a soldier who is also a full-time student (military academy) counts once, as student
        coalesce(military, false) and not coalesce(student, false) as military,
        coalesce(is_employee, false)               as employee,
        coalesce(cov_pension, false)               as cov_pension,
        coalesce(cov_medical, false)               as cov_medical,
        coalesce(cov_410, false)                   as cov_410,
        coalesce(cov_510, false)                   as cov_510,
        coalesce(cov_210, false)                   as cov_210,
        deceased_on is not null                    as known_dead,
        coalesce(should_insure, false)             as should_insure
    from base.person_current
    where coalesce(registered, false)
),

flagged as (
    select
        *,
        aged_16 and student                              as in_c3,
        aged_16 and military                             as in_c4,
        aged_16 and not student and not military         as in_c5
    from persons
),

counted as (
    select
        case
            when grouping(county_code) = 1 and grouping(town_code) = 1 then 'city'
            when grouping(town_code) = 1 then 'county'
            else 'town'
        end                                                        as region_level,
        coalesce(town_code, county_code, '')                       as region_code,
        count(*)                                                   as c1,
        count(*) filter (where aged_16)                            as c2,
        count(*) filter (where in_c3)                              as c3,
        count(*) filter (where in_c4)                              as c4,
        count(*) filter (where in_c5)                              as c5,
        count(*) filter (where in_c5 and not cov_pension)          as c6,
        count(*) filter (where in_c5)                              as c7,
        count(*) filter (where in_c5 and not cov_medical)          as c8,
        count(*) filter (where in_c5 and employee)                 as c9,
        count(*) filter (where in_c5 and employee and not cov_410) as c10,
        count(*) filter (where in_c5 and employee)                 as c11,
        count(*) filter (where in_c5 and employee and not cov_510) as c12,
        count(*) filter (where in_c5 and employee)                 as c13,
        count(*) filter (where in_c5 and employee and not cov_210) as c14,
        count(*) filter (where in_c5 and known_dead)               as dead_not_cancelled,
        count(*) filter (where should_insure)                      as should_insure
    from flagged
    group by grouping sets ((), (county_code), (county_code, town_code))
)

select *
from counted
where not (region_level <> 'city' and region_code = '')  -- registered but no county code: city total only
order by case region_level when 'city' then 0 when 'county' then 1 else 2 end, region_code
