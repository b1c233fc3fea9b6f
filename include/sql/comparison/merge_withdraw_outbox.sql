-- The province is told to withdraw a person merged into another (op DELETE, MERGED_DUPLICATE).
insert into publication.outbox (person_id, version, op, changed_at, record, reason, run_id)
select person_id, version, 'DELETE', :now, null, 'MERGED_DUPLICATE', :run_id
from c_merged_away
