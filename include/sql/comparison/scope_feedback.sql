-- Province feedback that arrived since the last run, or whose validity starts or ends in the interval.
select distinct person_id
from publication.feedback
where received_at > :last_started_at
   or since > :prev_ref_date and since <= :ref_date
   or until > :prev_ref_date and until <= :ref_date
