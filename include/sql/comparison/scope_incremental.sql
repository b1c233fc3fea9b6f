-- Scope of an incremental run: persons touched by deliveries promoted since the last run
-- (curated.change_log, IDs resolved through links; employers' changes reach their employees),
-- persons whose links changed, and persons whose state changes with time alone between the previous
-- and the new reference date: birthdays (age), 16th birthdays, graduations and enrolments, enrollment
-- starts/ends/changes and the lapse line, the tax-withholding window, deaths and cancellations dated
-- in the interval, survey returns dated in it.
with touched_ids as (
    select distinct person_id as raw_id from curated.change_log
    where delivery_id > :last_delivery_id and person_id is not null
),

touched_employers as (
    select distinct uscc from curated.change_log
    where delivery_id > :last_delivery_id and uscc is not null
),

by_employer as (
    select e.person_id as raw_id from curated.si_enrollment as e
    join touched_employers as t on t.uscc = e.employer_uscc
    union
    select w.person_id from curated.tax_withholding as w
    join touched_employers as t on t.uscc = w.employer_uscc
),

by_time as (
    -- every predicate is a range on an indexed column (0007_comparison_indexes.sql), so a day costs
    -- what that day changes. Birthdays: month-day in the interval (widened by a day at each end for
    -- 29 February), then the exact age test; an interval of a year or more takes everyone.
    select person_id as raw_id from (
        select person_id, birth_date from curated.ps_person
        where cast(:ref_date as date) - cast(:prev_ref_date as date) >= 360
           or (case when base.month_day(cast(:prev_ref_date as date) - 1) <= base.month_day(cast(:ref_date as date) + 1)
                    then base.month_day(birth_date) between base.month_day(cast(:prev_ref_date as date) - 1)
                                                        and base.month_day(cast(:ref_date as date) + 1)
                    else base.month_day(birth_date) >= base.month_day(cast(:prev_ref_date as date) - 1)
                         or base.month_day(birth_date) <= base.month_day(cast(:ref_date as date) + 1) end)
        union all
        select person_id, birth_date from curated.ps_person_change where effective_date <= :ref_date
    ) as r
    where extract(year from age(cast(:ref_date as date), r.birth_date))
          <> extract(year from age(cast(:prev_ref_date as date), r.birth_date))
    union
    select person_id from curated.edu_student
    where expected_graduation > :prev_ref_date and expected_graduation <= :ref_date
    union
    select person_id from curated.edu_student
    where enrol_date > :prev_ref_date and enrol_date <= :ref_date
    union
    select person_id from curated.si_enrollment
    where start_date > :prev_ref_date and start_date <= :ref_date
    union
    select person_id from curated.si_enrollment
    where end_date > :prev_ref_date and end_date <= :ref_date
    union
    -- the lapse line moved: (paid < new line) <> (paid < old line) means paid in [lower, upper)
    select person_id from curated.si_enrollment
    where last_paid_month >= least(to_char(cast(:ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'),
                                   to_char(cast(:prev_ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'))
      and last_paid_month < greatest(to_char(cast(:ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'),
                                     to_char(cast(:prev_ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'))
    union
    select person_id from curated.si_enrollment_change
    where effective_date > :prev_ref_date and effective_date <= :ref_date
       or start_date > :prev_ref_date and start_date <= :ref_date
       or end_date > :prev_ref_date and end_date <= :ref_date
       or (last_paid_month < to_char(cast(:ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'))
          <> (last_paid_month < to_char(cast(:prev_ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'))
    union
    -- the tax-withholding window moved: months that entered or left it
    select person_id from curated.tax_withholding
    where (month >= least(to_char(cast(:ref_date as date) - make_interval(months => :employee_months), 'YYYY-MM'),
                          to_char(cast(:prev_ref_date as date) - make_interval(months => :employee_months), 'YYYY-MM'))
           and month < greatest(to_char(cast(:ref_date as date) - make_interval(months => :employee_months), 'YYYY-MM'),
                                to_char(cast(:prev_ref_date as date) - make_interval(months => :employee_months), 'YYYY-MM')))
       or (month > least(to_char(cast(:ref_date as date), 'YYYY-MM'), to_char(cast(:prev_ref_date as date), 'YYYY-MM'))
           and month <= greatest(to_char(cast(:ref_date as date), 'YYYY-MM'), to_char(cast(:prev_ref_date as date), 'YYYY-MM')))
    union
    select person_id from curated.ca_cremation where death_date > :prev_ref_date and death_date <= :ref_date
    union
    select person_id from curated.ps_cancellation where cancel_date > :prev_ref_date and cancel_date <= :ref_date
    union
    select person_id from curated.ps_person_change where effective_date > :prev_ref_date and effective_date <= :ref_date
    union
    select person_id from curated.survey_return where survey_date > :prev_ref_date and survey_date <= :ref_date
),

raw_scope as (
    select raw_id from touched_ids
    union
    select raw_id from by_employer
    union
    select raw_id from by_time
),

resolved as (
    select coalesce(l.person_id, r.raw_id) as person_id
    from raw_scope as r
    left join link_result as l on l.raw_id = r.raw_id and l.outcome = 'LINKED'
    union
    select person_id from link_changes
)

select distinct person_id from resolved where person_id is not null
