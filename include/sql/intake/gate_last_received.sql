-- When each feed last delivered anything (whatever became of it), for the lateness check.
select feed, max(received_at) as last_received_at
from intake.delivery
group by feed
