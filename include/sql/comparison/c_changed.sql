-- Persons whose row changes (c_record holds only persons whose state_hash changed, with their current
-- row's version and record_hash): a new version when what the province receives (record_hash) changed
-- or the person is new; an in-place refresh when only other columns (age, coverage flags...) did.
-- is_new: no current row yet (inserted, not updated). A person with a current row has its latest
-- version there; only a person without one (new, or withdrawn as a merged duplicate and back) looks up
-- the history, so that a version number is never reused. When the history was empty as the run began
-- (a first build: history_empty, from base.run), nobody has a version older than the run, and a
-- person of this unit without a current row has none from the run either (a unit writes its persons'
-- current rows in the transaction that writes their versions; a retried unit finds them): version 1,
-- without a million lookups (6 s of CPU at 1M).
select
    r.person_id,
    not r.has_current as is_new,
    r.prev_version,
    not r.has_current or r.prev_record_hash is distinct from r.record_hash as new_version,
    case when not r.has_current and cast(:history_empty as boolean) then 1
         when not r.has_current
             then coalesce((select max(pv.version) from base.person_version as pv
                            where pv.person_id = r.person_id), 0) + 1
         when r.prev_record_hash is distinct from r.record_hash then r.prev_version + 1
         else r.prev_version end as version
from c_record as r
