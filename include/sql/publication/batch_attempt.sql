update publication.batch
set attempts = attempts + 1, body_sha256 = :sha256, body_sm3 = :sm3
where batch_id = cast(:batch_id as uuid)
