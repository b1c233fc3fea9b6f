update publication.batch
set renumbered_from = coalesce(renumbered_from, seq), seq = :seq
where batch_id = cast(:batch_id as uuid) and state = 'PENDING'
