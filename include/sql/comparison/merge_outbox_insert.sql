-- One outbox row per new version, in the same transaction (publication.outbox contract).
insert into publication.outbox (person_id, version, op, changed_at, record, reason, run_id)
select ch.person_id, ch.version, 'UPSERT', :now, r.record, null, :run_id
from c_changed as ch
join c_record as r on r.person_id = ch.person_id
where ch.new_version
