-- Persons whose row changes (c_record holds only persons whose state_hash changed): a new version when
-- what the province receives (record_hash) changed or the person is new; an in-place refresh when only
-- other columns (age, coverage flags...) did. is_new: no current row yet (inserted, not updated).
-- A person with a current row has its latest version there; only a person without one (new, or
-- withdrawn as a merged duplicate and back) looks up the history, so that a version number is never
-- reused (a lookup per person of a first build cost 2 of its 12 s at 1M persons when done for all).
select
    r.person_id,
    c.person_id is null as is_new,
    c.person_id is null or c.record_hash <> r.record_hash as new_version,
    case when c.person_id is null
             then coalesce((select max(pv.version) from base.person_version as pv
                            where pv.person_id = r.person_id), 0) + 1
         when c.record_hash <> r.record_hash then c.version + 1
         else c.version end as version
from c_record as r
left join base.person_current as c on c.person_id = r.person_id
where c.person_id is null or c.state_hash is distinct from r.state_hash
