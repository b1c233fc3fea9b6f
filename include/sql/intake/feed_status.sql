-- The last delivery of each feed (canbao status).
with ranked as (
    select d.*,
           row_number() over (partition by d.feed order by d.received_at desc, d.delivery_id desc) as rn
    from intake.delivery as d
    where d.feed = any(:feeds)
),

final as (
    select feed, delivery_id, file_name, as_of, received_at, state, rows_parsed, rows_rejected,
           rows_promoted, reason
    from ranked
    where rn = 1
)

select * from final
