-- Every comparison run starts by asking for the data dates: the reference date (latest as_of of the
-- public-security tables) and the social-insurance data date (for the staleness warning). Without an
-- index each is a scan of a whole curated table (0.9 s for the two insurance tables at 1M persons),
-- the largest fixed cost left in a small daily run; with one it is a backward index scan.
create index if not exists ps_person_as_of on curated.ps_person (as_of);
create index if not exists ps_person_change_as_of on curated.ps_person_change (as_of);
create index if not exists ps_cancellation_as_of on curated.ps_cancellation (as_of);
create index if not exists si_enrollment_as_of on curated.si_enrollment (as_of);
create index if not exists si_enrollment_change_as_of on curated.si_enrollment_change (as_of);
