-- Data date of the social insurance enrollment data (for the staleness warning).
with enrollment as (
    select max(as_of) as as_of from curated.si_enrollment
    union all
    select max(as_of) from curated.si_enrollment_change
)

select max(as_of) as si_as_of
from enrollment
