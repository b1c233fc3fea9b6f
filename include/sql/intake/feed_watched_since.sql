-- Since when lateness has watched each feed that has never delivered: the first `feed_watched` audit
-- event, written by the first lateness check that found the feed without any delivery. Slots before
-- it are not counted, so a new install (or a newly onboarded feed) does not page on-call for every
-- expected delivery that fell before the platform was there to receive it.
select subject, min(cast(detail ->> 'since' as timestamptz)) as since
from audit.event
where kind = 'feed_watched'
group by subject
