-- Each enrollment (person, insurance, start date) as it stands at the reference date: the latest of
-- the snapshot row and the change rows in force (both in c_enrollment_rows), its effective status
-- (benefits paid = RECEIVING; an end date reached = TERMINATED), whether its contributions are stale
-- (last paid month more than :lapse_months before the reference month; never when the insurance
-- data are themselves stale), and since when the status holds.
with latest as (
    select distinct on (person_id, insurance_code, start_date) *
    from c_enrollment_rows
    order by person_id, insurance_code, start_date, as_of desc, effective_date desc nulls first
),

status_changes as (
    select person_id, insurance_code, start_date, max(effective_date) as changed_on
    from c_enrollment_rows
    where change_type in ('SUSPEND', 'RESUME', 'TERMINATE', 'BENEFIT_START')
    group by person_id, insurance_code, start_date
),

effective as (
    select l.*,
           case when l.status = 'TERMINATED' or l.end_date <= :ref_date then 'TERMINATED'
                when coalesce(l.receiving, false) then 'RECEIVING'
                else l.status end as state,
           s.changed_on
    from latest as l
    left join status_changes as s
      on s.person_id = l.person_id and s.insurance_code = l.insurance_code and s.start_date = l.start_date
    where l.start_date is null or l.start_date <= :ref_date
)

select
    person_id, insurance_code, start_date, employer_uscc, state, last_paid_month, as_of,
    (state = 'ACTIVE' and not cast(:si_stale as boolean) and last_paid_month is not null
     and last_paid_month < to_char(cast(:ref_date as date) - make_interval(months => :lapse_months), 'YYYY-MM'))
        as stale,
    case when state = 'TERMINATED' then coalesce(end_date, changed_on, start_date)
         else coalesce(changed_on, start_date) end as since,
    case when insurance_code in ('110', '120', '170') then 'pension'
         when insurance_code in ('310', '390') then 'medical'
         else insurance_code end as family
from effective
