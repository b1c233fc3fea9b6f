-- Who is in the base: everyone in the household register (cancelled records stay) and everyone
-- insured here (social insurance person or enrollment, by valid or linked ID), minus persons a
-- reviewer merged into another. County = first 6 digits of the registration place ('' unknown).
with linked as (
    select source, raw_id, person_id from link_result where outcome = 'LINKED' and raw_id <> person_id
),

insured as (
    select coalesce(l.person_id, s.person_id) as person_id
    from curated.si_person as s
    left join linked as l on l.source in ('si_person', '*') and l.raw_id = s.person_id
    where s.person_id_status in ('VALID', 'UPGRADED_15', 'BIRTH_MISMATCH', 'SEX_MISMATCH') or l.person_id is not null
    union
    select coalesce(l.person_id, e.person_id)
    from curated.si_enrollment as e
    left join linked as l on l.source in ('si_enrollment', '*') and l.raw_id = e.person_id
    where e.person_id_status in ('VALID', 'UPGRADED_15', 'BIRTH_MISMATCH', 'SEX_MISMATCH') or l.person_id is not null
    union
    select coalesce(l.person_id, e.person_id)
    from curated.si_enrollment_change as e
    left join linked as l on l.source in ('si_enrollment_change', '*') and l.raw_id = e.person_id
    where (e.person_id_status in ('VALID', 'UPGRADED_15', 'BIRTH_MISMATCH', 'SEX_MISMATCH') or l.person_id is not null)
      and e.effective_date <= :ref_date
),

everyone as (
    select person_id from ps_index
    union
    select person_id from insured
)

select e.person_id
from everyone as e
where not exists (select 1 from linked as m where m.source = '*' and m.raw_id = e.person_id)
