-- Deliveries waiting in quarantine (not released), oldest first.
select q.delivery_id, q.feed, d.file_name, d.as_of, d.rows_parsed, d.rows_rejected, q.quarantined_at, q.reasons
from intake.quarantine as q
join intake.delivery as d on d.delivery_id = q.delivery_id
where q.released_at is null
    and d.state = 'QUARANTINED'
order by q.quarantined_at
