-- Reference date: the as-of date of the latest accepted public-security delivery (household
-- snapshot, change file or cancellations). Curated tables hold accepted rows only.
with public_security as (
    select max(as_of) as as_of from curated.ps_person
    union all
    select max(as_of) from curated.ps_person_change
    union all
    select max(as_of) from curated.ps_cancellation
)

select max(as_of) as ref_date
from public_security
