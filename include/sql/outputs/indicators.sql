-- Registration rate and data completeness per region (plan goals: 90 % and 80 %, seed 004).
-- registration rate = should-insure persons covered by a pension / should-insure persons;
-- data completeness = base persons with all seven identity facts present and none
-- differing between public security and social insurance / base persons.
with persons as (
    select
        county_code,
        coalesce(town_code, county_code || '000') as town_code,
        coalesce(should_insure, false)            as should_insure,
        coalesce(cov_pension, false)              as cov_pension,
        (
            nullif(btrim(name), '') is not null
            and nullif(btrim(sex), '') is not null
            and nullif(btrim(person_id), '') is not null
            and birth_date is not null
            and nullif(btrim(ethnicity), '') is not null
            and nullif(btrim(residence_address), '') is not null
            and nullif(btrim(phone), '') is not null
            and coalesce(cardinality(mismatched_fields), 0) = 0
        )                                         as complete
    from base.person_current
    where county_code is not null
),

counted as (
    select
        case
            when grouping(county_code) = 1 and grouping(town_code) = 1 then 'city'
            when grouping(town_code) = 1 then 'county'
            else 'town'
        end                                                       as region_level,
        coalesce(town_code, county_code, '')                      as region_code,
        count(*) filter (where should_insure)                     as should_insure,
        count(*) filter (where should_insure and cov_pension)     as pension_covered,
        count(*)                                                  as base_persons,
        count(*) filter (where complete)                          as complete_persons
    from persons
    group by grouping sets ((), (county_code), (county_code, town_code))
)

select *
from counted
order by case region_level when 'city' then 0 when 'county' then 1 else 2 end, region_code
