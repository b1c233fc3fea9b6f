-- 上季度已完成扩面人数: people whose coverage of an insurance family became true during the
-- quarter, read from the history base.person_version and judged by each version's reference
-- date (the data's date, not when the run happened to write it).
-- "Became true": a version dated in the quarter covers the family and the person's previous
-- version did not; a person's first version counts only when the base already existed
-- before it (a birth or move-in covered from the start), never on the base's first load.
with first_load as (
    select min(ref_date) as ref_date
    from base.person_version
),

versions as (
    select
        person_id,
        version,
        ref_date,
        lag(version) over w                               as prev_version,
        coalesce(cov_pension, false)                      as pension,
        coalesce(cov_medical, false)                      as medical,
        coalesce(cov_410, false)                          as work_injury,
        coalesce(cov_510, false)                          as maternity,
        coalesce(cov_210, false)                          as unemployment,
        coalesce(lag(cov_pension) over w, false)          as prev_pension,
        coalesce(lag(cov_medical) over w, false)          as prev_medical,
        coalesce(lag(cov_410) over w, false)              as prev_work_injury,
        coalesce(lag(cov_510) over w, false)              as prev_maternity,
        coalesce(lag(cov_210) over w, false)              as prev_unemployment
    from base.person_version
    window w as (partition by person_id order by version)
),

in_quarter as (
    select
        v.*,
        v.prev_version is not null or v.ref_date > (select ref_date from first_load) as comparable
    from versions v
    where v.ref_date between :quarter_start and :quarter_end
),

newly_covered as (
    select
        person_id,
        bool_or(comparable and pension and not prev_pension)           as pension,
        bool_or(comparable and medical and not prev_medical)           as medical,
        bool_or(comparable and work_injury and not prev_work_injury)   as work_injury,
        bool_or(comparable and maternity and not prev_maternity)       as maternity,
        bool_or(comparable and unemployment and not prev_unemployment) as unemployment
    from in_quarter
    group by person_id
),

located as (
    select
        n.*,
        p.county_code,
        coalesce(p.town_code, p.county_code || '000') as town_code
    from newly_covered n
    left join base.person_current p on p.person_id = n.person_id
)

select
    case
        when grouping(county_code) = 1 and grouping(town_code) = 1 then 'city'
        when grouping(town_code) = 1 then 'county'
        else 'town'
    end                                          as region_level,
    coalesce(town_code, county_code, '')         as region_code,
    count(*) filter (where pension)              as pension,
    count(*) filter (where medical)              as medical,
    count(*) filter (where work_injury)          as work_injury,
    count(*) filter (where maternity)            as maternity,
    count(*) filter (where unemployment)         as unemployment
from located
group by grouping sets ((), (county_code), (county_code, town_code))
