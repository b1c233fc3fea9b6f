insert into publication.feedback (node_id, cursor, person_id, insurance, region_code, status, since, until, item)
values (:node_id, :cursor, :person_id, :insurance, :region_code, :status, cast(:since as date), cast(:until as date),
        cast(:item as jsonb))
on conflict (node_id, cursor) do nothing
