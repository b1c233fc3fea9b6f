-- The unit's enrollment rows under the persons' canonical IDs: the snapshot rows, and the change rows
-- in force at the reference date (change_type and effective_date set). Read by c_enrollment (each
-- enrollment as it stands) and by c_si_person (whether social insurance carried another ID for the
-- person), so curated.si_enrollment is joined with the ID map once per unit rather than twice.
-- via_other_id: the row came under a repaired or linked ID, or a legacy 15-digit number; snapshot:
-- the row is from the snapshot table (c_si_person reads only those).
select m.person_id, e.insurance_code, e.start_date, e.employer_uscc, e.status, e.end_date,
       e.last_paid_month, e.receiving, e.as_of, null::date as effective_date, null::text as change_type,
       (m.source is not null or e.person_id_status = 'UPGRADED_15') as via_other_id, true as snapshot
from curated.si_enrollment as e
join c_idmap as m
  on m.raw_id = e.person_id
 and ((m.source is null and e.person_id_status <> 'CHECK_FAIL') or m.source in ('si_enrollment', '*'))
union all
select m.person_id, e.insurance_code, e.start_date, e.employer_uscc, e.status, e.end_date,
       e.last_paid_month, e.receiving, e.as_of, e.effective_date, e.change_type,
       (m.source is not null or e.person_id_status = 'UPGRADED_15') as via_other_id, false as snapshot
from curated.si_enrollment_change as e
join c_idmap as m
  on m.raw_id = e.person_id
 and ((m.source is null and e.person_id_status <> 'CHECK_FAIL') or m.source in ('si_enrollment_change', '*'))
where e.effective_date <= :ref_date
