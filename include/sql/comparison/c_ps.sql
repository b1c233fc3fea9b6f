-- Public security's facts per person at the reference date: the latest household row (snapshot or
-- change file), then any cancellation dated on or before the reference date (unless the person
-- moved back in after it). A person missing from the latest snapshot keeps the last row.
with household_rows as (
    select p.person_id, p.name, p.sex, p.ethnicity, p.birth_date, p.household_no, p.hukou_region,
           p.hukou_address, p.residence_address, p.phone, p.hukou_status, p.cancel_date, p.military,
           p.as_of, null::date as effective_date, null::text as change_type, p.absent_since
    from curated.ps_person as p
    join c_scope as s on s.person_id = p.person_id
    union all
    select c.person_id, c.name, c.sex, c.ethnicity, c.birth_date, c.household_no, c.hukou_region,
           c.hukou_address, c.residence_address, c.phone, c.hukou_status, c.cancel_date, c.military,
           c.as_of, c.effective_date, c.change_type, null::date
    from curated.ps_person_change as c
    join c_scope as s on s.person_id = c.person_id
    where c.effective_date <= :ref_date
),

latest as (
    select distinct on (person_id) *
    from household_rows
    order by person_id, as_of desc, effective_date desc nulls first
),

first_known as (
    -- the data date of the household record's first appearance (birth, move-in or first snapshot)
    select person_id, min(coalesce(effective_date, as_of)) as since
    from household_rows
    group by person_id
),

cancellation as (
    select distinct on (m.person_id) m.person_id, x.cancel_type, x.cancel_date, x.as_of
    from curated.ps_cancellation as x
    join c_idmap as m
      on m.raw_id = x.person_id
     and ((m.source is null and x.person_id_status <> 'CHECK_FAIL') or m.source in ('ps_cancellation', '*'))
    where x.cancel_date <= :ref_date
    order by m.person_id, x.cancel_date desc
)

select
    l.person_id, btrim(l.name) as name, l.sex, l.ethnicity, l.birth_date, l.household_no, l.hukou_region,
    l.hukou_address, l.residence_address, l.phone,
    case when c.person_id is not null
              and not coalesce(l.change_type = 'MOVE_IN' and l.effective_date > c.cancel_date, false)
         then 'CANCELLED_' || c.cancel_type
         else coalesce(l.hukou_status, 'REGISTERED') end as hukou_status,
    case when c.person_id is not null
              and not coalesce(l.change_type = 'MOVE_IN' and l.effective_date > c.cancel_date, false)
         then c.cancel_date else l.cancel_date end as cancel_date,
    case when c.person_id is not null
              and not coalesce(l.change_type = 'MOVE_IN' and l.effective_date > c.cancel_date, false)
         then c.as_of else l.as_of end as status_as_of,
    coalesce(l.military, false) as military,
    coalesce(l.effective_date, l.as_of) as facts_as_of,
    f.since as registered_since,
    l.absent_since
from latest as l
join first_known as f on f.person_id = l.person_id
left join cancellation as c on c.person_id = l.person_id
