-- Has on-call already been told that this feed missed this expected delivery (slot)?
select exists (
    select 1
    from audit.event
    where kind = 'feed_late'
        and subject = :subject
        and detail ->> 'slot' = :slot
) as alerted
