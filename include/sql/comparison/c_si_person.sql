-- Social insurance's own record of each person's identity facts: the record under the person's own
-- ID first, else a linked one. linked_id tells that social insurance carried another ID for the
-- person (a repaired or linked ID, or a legacy 15-digit number), i.e. a person_id mismatch.
with identity_rows as (
    select m.person_id, x.name, x.sex, x.birth_date, x.ethnicity, x.residence_address, x.phone, x.as_of,
           (m.source is not null or x.person_id_status = 'UPGRADED_15') as via_other_id
    from curated.si_person as x
    join c_idmap as m
      on m.raw_id = x.person_id
     and ((m.source is null and x.person_id_status <> 'CHECK_FAIL') or m.source in ('si_person', '*'))
),

enrollment_ids as (
    -- the snapshot enrollment rows, joined with the ID map once per unit in c_enrollment_rows
    select person_id, bool_or(via_other_id) as via_other_id
    from c_enrollment_rows
    where snapshot
    group by person_id
),

chosen as (
    select distinct on (person_id) *
    from identity_rows
    order by person_id, via_other_id, as_of desc
),

other_id as (
    select person_id, bool_or(via_other_id) as linked_id
    from (select person_id, via_other_id from identity_rows
          union all
          select person_id, via_other_id from enrollment_ids) as ids
    group by person_id
)

select o.person_id, c.name, c.sex, c.birth_date, c.ethnicity, c.residence_address, c.phone, c.as_of,
       o.linked_id
from other_id as o
left join chosen as c on c.person_id = o.person_id
