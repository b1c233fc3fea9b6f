-- Queue items whose record no longer appears in any feed (or was linked automatically since).
update base.review_queue as q
set state = 'GONE', last_run_id = :run_id, updated_at = :now
where q.state = 'OPEN'
  and not exists (
      select 1 from link_result as r
      where r.raw_id = q.raw_id and r.outcome in ('REVIEW', 'INVALID')
  )
