-- Data date of the newest promoted delivery of a feed other than this one (stale-delivery guard).
select max(as_of) as newest_as_of
from intake.delivery
where feed = :feed
    and delivery_id <> :delivery_id
    and state in ('ACCEPTED', 'ACCEPTED_WITH_REJECTS', 'RELEASED')
