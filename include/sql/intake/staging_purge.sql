-- Staged rows of deliveries promoted before :before go (staging retention). Once promoted, a
-- delivery's rows live on in curated.<target>, its original bytes in the archive (`canbao reprocess`
-- stages them again), its row rejects in intake.reject and its counts in intake.delivery; nothing
-- reads its staged rows again. Quarantined deliveries keep theirs (a release promotes them), and so
-- do deliveries not yet decided. intake.stg_target is replaced by one target's staging table.
delete from intake.stg_target as s
using intake.delivery as d
where d.delivery_id = s.delivery_id
  and d.state in ('ACCEPTED', 'ACCEPTED_WITH_REJECTS', 'RELEASED')
  and d.decided_at < :before
