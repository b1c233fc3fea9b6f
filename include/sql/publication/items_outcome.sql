-- Per-record outcome of an answered batch: the listed indexes were rejected, every other accepted.
update publication.batch_item
set outcome = case when idx = any(cast(:rejected_idx as int[])) then 'REJECTED' else 'ACCEPTED' end
where batch_id = cast(:batch_id as uuid)
