-- Every change applied to one person (:person_id), in effective-date order: the rows recorded against
-- the person; those recorded under an ID linked to the person only later (a record held out for
-- review, then accepted) or under a person a reviewer merged into this one (base.person_link names
-- them all); and the employer-level changes (market regulation, tax, insurance agency employer
-- records: person_id null) of every employer any version of the person had, since an employer
-- closing or stopping its registration changes what its employees' rows say.
with employers as (
    select distinct v.employer_uscc as uscc
    from base.person_version as v
    where v.person_id = :person_id and v.employer_uscc is not null
)

select
    a.person_id, a.effective_date, a.received_at, a.source, a.target, a.file_name, a.change, a.raw_id,
    a.uscc, a.row_key, a.detail, a.run_id, a.applied_at
from base.applied_change as a
where a.person_id = :person_id
   or a.person_id in (select l.raw_id from base.person_link as l where l.person_id = :person_id)
   or (a.person_id is null and a.uscc in (select e.uscc from employers as e))
order by a.effective_date nulls last, a.received_at, a.applied_id
