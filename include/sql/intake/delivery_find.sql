-- The delivery already recorded for these bytes of this feed, if any (sha256 dedupe).
select delivery_id, state, file_name
from intake.delivery
where feed = :feed
  and sha256 = :sha256
