-- Benchmark only: remove the synthetic delivery (staged rows first, then its gate traces).
with staged as (
    delete from intake.stg_ps_person where delivery_id = :delivery_id
),

rejects as (
    delete from intake.reject where delivery_id = :delivery_id
),

results as (
    delete from intake.gate_result where delivery_id = :delivery_id
)

delete from intake.delivery where delivery_id = :delivery_id
